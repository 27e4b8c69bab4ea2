# Shop copy is typeset with multiplication signs and en dashes, which RUF001 would refuse.
# ruff: noqa: RUF001
"""What the demo shop sells, kind by kind: how each is drawn, described and specified.

Every product is one of thirty kinds (a kettle, a tent, ...). A kind has its Lucide icon,
the materials and colours it plausibly comes in, two descriptions written for it, and the
specifications that fit it (a capacity for a kettle, pages for a book); catalog.py picks
among these per product, deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The colours products come in: a name for people, a hex for drawing the picture.
COLOURS: dict[str, str] = {
    "Matte black": "#2b2b2e",
    "Charcoal": "#3d464d",
    "Slate grey": "#5f6b73",
    "Pebble grey": "#9aa0a6",
    "Stainless silver": "#a9b0b5",
    "Snow white": "#f2f2ee",
    "Cream": "#efe4cc",
    "Oatmeal": "#d9ccb4",
    "Sand": "#c9b38a",
    "Natural oak": "#b98b57",
    "Walnut brown": "#6b4a2f",
    "Terracotta": "#c8553d",
    "Brick red": "#9e3b2c",
    "Tomato red": "#d7412f",
    "Fox orange": "#d9692b",
    "Mustard": "#c99a1e",
    "Sunflower yellow": "#f2c12e",
    "Olive": "#6b7139",
    "Sage green": "#7d9a78",
    "Forest green": "#2e5e3e",
    "Mint": "#8fcfb3",
    "Teal": "#127c7c",
    "Sky blue": "#6fa8dc",
    "Ocean blue": "#1f6f9f",
    "Navy": "#1f3a5f",
    "Lavender": "#9b87c6",
    "Plum": "#6d3b5e",
    "Blush pink": "#e3a6a1",
    "Coral": "#ef7f61",
}

#: One sentence per name adjective, saying what it means for the product.
ADJECTIVE_LINES: dict[str, str] = {
    "Classic": "A design that has earned its place over decades, with nothing added for fashion.",
    "Compact": "It is smaller than most and tucks away easily when it is not in use.",
    "Deluxe": "The deluxe version is finished with extra care, down to the smallest detail.",
    "Everyday": "Built for daily use and easy to look after.",
    "Nordic": "Clean Scandinavian lines and a muted palette that sit quietly anywhere.",
    "Studio": "Designed with a small studio of makers and made in a limited run.",
    "Trail": "Hard-wearing and light, it is as happy packed for a trip as at home.",
    "Urban": "Understated and sturdy, made for small city homes and busy days.",
    "Vintage": "Inspired by mid-century originals, with a warm, lived-in look.",
    "Bright": "Its cheerful, saturated colour lifts a shelf, a table or a bag.",
}


@dataclass(frozen=True)
class Kind:
    """One kind of product. `pitches` are two descriptions of it (a product gets one of them);
    `specs` maps a specification's name to the values a product of the kind may have."""

    icon: str  # a Lucide icon name
    materials: tuple[str, ...]
    colours: tuple[str, ...]  # names in COLOURS
    pitches: tuple[str, str]
    specs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    material_label: str = "material"  # what the material is called in the specifications


KINDS: dict[str, Kind] = {
    # Kitchen
    "Kettle": Kind(
        icon="cooking-pot",
        materials=("brushed stainless steel", "enamelled steel", "borosilicate glass"),
        colours=("Matte black", "Stainless silver", "Cream", "Sage green", "Tomato red"),
        pitches=(
            "A kettle that boils a full litre in under three minutes and switches itself off "
            "the moment it is done. The wide lid opens with one thumb, so filling and "
            "descaling are easy, and the water window is marked in cups as well as litres.",
            "Quick, quiet and easy to pour: the spout is shaped to stop drips and the handle "
            "stays cool. It lifts off a 360° base, so it suits left-handers just as well, and "
            "the limescale filter rinses clean under the tap.",
        ),
        specs={"capacity": ("1.5 litres", "1.7 litres"), "power": ("2,200 W", "3,000 W")},
    ),
    "Chef's Knife": Kind(
        icon="slice",
        materials=(
            "German stainless steel with an oak handle",
            "Damascus-pattern steel with a walnut handle",
            "high-carbon steel with a resin handle",
        ),
        colours=("Walnut brown", "Matte black", "Natural oak", "Navy"),
        pitches=(
            "An all-round cook's knife with a keen 20-degree edge that goes through onions, "
            "herbs and squash alike. The full tang balances it at the finger guard, so long "
            "prep sessions stay comfortable.",
            "A chef's knife for everything from fine herbs to a Sunday roast. The blade is "
            "ground thin behind the edge and holds it well; a few strokes on a honing steel "
            "bring it back. Wash it by hand and dry it, and it will last for years.",
        ),
        specs={"blade": ("18 cm", "20 cm"), "weight": ("185 g", "210 g")},
    ),
    "Skillet": Kind(
        icon="egg-fried",
        materials=("pre-seasoned cast iron", "tri-ply stainless steel", "carbon steel"),
        colours=("Matte black", "Charcoal", "Brick red", "Slate grey"),
        pitches=(
            "A heavy-bottomed frying pan that holds its heat, for a proper sear on a steak "
            "and a crisp edge on potatoes. It goes from hob to oven up to 260 °C and works "
            "on induction.",
            "Pancakes on Saturday, a frittata on Sunday: this skillet spreads heat evenly "
            "from the centre to the rim. The long handle stays cooler than the pan, and "
            "pouring lips on both sides keep sauces off the stove.",
        ),
        specs={"diameter": ("26 cm", "28 cm"), "weight": ("1.6 kg", "2.4 kg")},
    ),
    "Teapot": Kind(
        icon="coffee",
        materials=("glazed stoneware", "porcelain", "cast iron with an enamel lining"),
        colours=("Cream", "Sage green", "Ocean blue", "Blush pink", "Charcoal"),
        pitches=(
            "A teapot for four cups, with a fine-mesh infuser that gives loose leaves room to "
            "open and lifts out in one go. The spout pours cleanly without a drip down the "
            "side.",
            "Made for a slow pot of tea: the thick walls keep it hot through a second cup, and "
            "the lid locks so it stays put while you pour. Take the infuser out early for a "
            "lighter brew.",
        ),
        specs={"capacity": ("0.8 litres", "1.2 litres")},
    ),
    "Mixing Bowl": Kind(
        icon="soup",
        materials=("stoneware", "stainless steel", "melamine with a non-slip base"),
        colours=("Cream", "Terracotta", "Mustard", "Mint", "Ocean blue"),
        pitches=(
            "A deep bowl for bread dough, cake batter or a big salad. The wide rim gives you "
            "something to hold while you whisk, and the weighted base keeps it from spinning "
            "on the worktop.",
            "Tall sides keep flour and batter where they belong, and the pouring spout makes "
            "filling a cake tin tidy. It nests with other bowls and goes in the dishwasher.",
        ),
        specs={"capacity": ("3 litres", "4.5 litres"), "diameter": ("24 cm", "28 cm")},
    ),
    # Books
    "Novel": Kind(
        icon="book-open-text",
        materials=("hardback", "paperback", "clothbound hardback"),
        colours=("Navy", "Plum", "Forest green", "Mustard", "Terracotta"),
        pitches=(
            "A debut novel about three siblings who inherit a failing seaside hotel, and one "
            "last summer to save it. Warm, funny and quietly heartbreaking, it is the book our "
            "staff kept pressing on each other this year.",
            "A literary mystery set in a snowed-in mountain library, where a misplaced "
            "manuscript leads a young archivist to a decades-old disappearance. Atmospheric "
            "and hard to put down.",
        ),
        specs={"pages": ("320 pages", "412 pages"), "language": ("English",)},
        material_label="format",
    ),
    "Cookbook": Kind(
        icon="utensils-crossed",
        materials=("hardback", "spiral-bound hardback that lies flat"),
        colours=("Tomato red", "Cream", "Olive", "Sunflower yellow"),
        pitches=(
            "Weeknight cooking from one pan and a handful of ingredients, with a photograph "
            "for every recipe. The chapters follow the seasons, so there is always something "
            "that suits what is at the market.",
            "A baker's handbook that explains the why as well as the how: crumb, crust and "
            "proving times. From a first sourdough loaf to laminated pastry, each recipe "
            "builds on the one before.",
        ),
        specs={"pages": ("256 pages", "304 pages"), "recipes": ("100 recipes", "120 recipes")},
        material_label="format",
    ),
    "Atlas": Kind(
        icon="map",
        materials=("large-format hardback", "clothbound hardback"),
        colours=("Navy", "Ocean blue", "Forest green", "Charcoal"),
        pitches=(
            "A large-format world atlas with more than 200 detailed maps, current borders and "
            "a full index of place names. Relief shading makes mountain ranges and river "
            "valleys easy to read.",
            "An atlas for curious readers: maps of trade winds, migration routes and the "
            "night-time lights of cities alongside the countries themselves, with a short "
            "essay on how each map was made.",
        ),
        specs={"pages": ("240 pages", "288 pages"), "size": ("34 × 26 cm", "37 × 27 cm")},
        material_label="format",
    ),
    "Field Guide": Kind(
        icon="binoculars",
        materials=("flexibound paperback", "water-resistant paperback"),
        colours=("Olive", "Sage green", "Sand", "Teal"),
        pitches=(
            "A pocket guide to the birds of Europe, with colour plates of every species, "
            "juveniles included and both sexes where they differ. Range maps and songs "
            "described in words help with the tricky identifications.",
            "Identify trees, wild flowers and fungi on a walk: each species gets a page of "
            "clear illustrations, its key features and the look-alikes to watch for. The "
            "cover shrugs off a shower.",
        ),
        specs={"pages": ("384 pages", "448 pages"), "size": ("pocket size, 19 × 12 cm",)},
        material_label="format",
    ),
    "Poetry Book": Kind(
        icon="feather",
        materials=("paperback", "clothbound hardback"),
        colours=("Lavender", "Plum", "Blush pink", "Navy"),
        pitches=(
            "A collection of short poems about cities at night, late trains and people we "
            "meet only once. Spare, musical and easy to dip into one poem at a time.",
            "An anthology of a century of nature poetry, from well-loved classics to new "
            "voices, with a short note on each poet. A good book to keep by the bed.",
        ),
        specs={"pages": ("96 pages", "128 pages")},
        material_label="format",
    ),
    # Outdoors
    "Tent": Kind(
        icon="tent",
        materials=("ripstop nylon", "recycled polyester", "polyester with aluminium poles"),
        colours=("Forest green", "Olive", "Sand", "Fox orange", "Slate grey"),
        pitches=(
            "A two-door backpacking tent that pitches in under five minutes around a single "
            "hubbed pole. Each door has its own porch for boots and packs, and the mesh inner "
            "keeps the air moving on warm nights.",
            "A sturdy three-season tent with a fully taped flysheet rated to 3,000 mm, so it "
            "stays dry in a proper downpour. Colour-coded clips make pitching in the dark "
            "straightforward.",
        ),
        specs={"sleeps": ("2 people", "3 people"), "weight": ("1.9 kg", "2.6 kg")},
    ),
    "Backpack": Kind(
        icon="backpack",
        materials=("recycled nylon", "waxed canvas", "Cordura nylon"),
        colours=("Charcoal", "Olive", "Navy", "Mustard", "Fox orange"),
        pitches=(
            "A day pack with a ventilated back panel, a padded hip belt and a sleeve for a "
            "hydration bladder. The side pockets take a one-litre bottle, and the lid pocket "
            "keeps keys and snacks close.",
            "It opens like a suitcase, so you can reach anything without unpacking "
            "everything. A padded laptop sleeve, a rain cover in the base and compression "
            "straps make it as much at home on a train as on a trail.",
        ),
        specs={"capacity": ("28 litres", "35 litres"), "weight": ("0.9 kg", "1.1 kg")},
    ),
    "Headlamp": Kind(
        icon="flashlight",
        materials=("aluminium with a silicone strap", "polycarbonate with an elastic strap"),
        colours=("Matte black", "Fox orange", "Sky blue", "Sunflower yellow"),
        pitches=(
            "A rechargeable head torch with a 350-lumen main beam, a red light that keeps "
            "your night vision, and a lock so it never switches on in your bag. It charges "
            "over USB-C in about three hours.",
            "Light enough to forget you are wearing it, with a beam that tilts 45 degrees and "
            "a wide floodlight for around the camp. It is rated IPX6, so rain is no problem.",
        ),
        specs={"brightness": ("350 lumens", "500 lumens"), "battery": ("up to 20 hours",)},
    ),
    "Trail Bottle": Kind(
        icon="milk",
        materials=("double-walled stainless steel", "BPA-free Tritan"),
        colours=("Teal", "Stainless silver", "Coral", "Forest green", "Sky blue"),
        pitches=(
            "A double-walled bottle that keeps water cold through a full day on the hill and "
            "tea hot for twelve hours. The leak-proof cap has a carry loop, and the wide "
            "mouth takes ice cubes.",
            "Light, tough and easy to drink from on the move: the flip spout opens with one "
            "hand, and the bottle fits standard bike cages and backpack side pockets.",
        ),
        specs={"capacity": ("0.75 litres", "1 litre"), "weight": ("290 g", "360 g")},
    ),
    "Hammock": Kind(
        icon="tree-palm",
        materials=("parachute nylon", "cotton canvas"),
        colours=("Sky blue", "Sunflower yellow", "Forest green", "Coral", "Sand"),
        pitches=(
            "A single hammock in soft parachute nylon that packs into its own pouch, about "
            "the size of a grapefruit. Tree-friendly straps with plenty of loops hang it "
            "right in minutes, with no knots to tie.",
            "A roomy hammock for the garden or the campsite, wide enough to lie across for a "
            "flatter rest. Hardwood spreader bars keep it open, and the ropes and hooks come "
            "with it.",
        ),
        specs={"length": ("2.8 m", "3.1 m"), "load": ("up to 150 kg", "up to 200 kg")},
    ),
    # Electronics
    "Headphones": Kind(
        icon="headphones",
        materials=("aluminium and memory foam", "recycled plastic and protein leather"),
        colours=("Matte black", "Snow white", "Navy", "Sage green", "Sand"),
        pitches=(
            "Over-ear wireless headphones with noise cancelling that takes the edge off "
            "trains and open-plan offices. A full charge lasts 30 hours, and ten minutes on "
            "the cable gives you three more.",
            "Light, foldable headphones with a warm, balanced sound and soft cushions that "
            "stay comfortable through a long flight. They switch between your phone and "
            "laptop by themselves.",
        ),
        specs={"battery": ("30 hours", "40 hours"), "weight": ("250 g", "280 g")},
    ),
    "Speaker": Kind(
        icon="speaker",
        materials=("fabric-wrapped aluminium", "recycled plastic with a fabric grille"),
        colours=("Charcoal", "Coral", "Teal", "Pebble grey", "Navy"),
        pitches=(
            "A portable Bluetooth speaker that fills a room with clear, full sound and plays "
            "for twelve hours on a charge. It is dust- and waterproof to IP67 and floats if "
            "it falls into the pool.",
            "A bookshelf-sized speaker with a surprisingly deep bass. Pair two for stereo, "
            "take calls through its microphone, and charge your phone from its USB-C port.",
        ),
        specs={"battery": ("12 hours", "16 hours"), "weight": ("540 g", "780 g")},
    ),
    "Charger": Kind(
        icon="battery-charging",
        materials=("recycled plastic", "aluminium"),
        colours=("Snow white", "Matte black", "Slate grey"),
        pitches=(
            "A compact 65 W charger with two USB-C ports and one USB-A that charges a laptop, "
            "a phone and earbuds at once. Folding prongs make it a tidy travel companion.",
            "A small fast charger that brings most phones to half full in about thirty "
            "minutes. It shares its power sensibly between the ports and stays cool while "
            "it works.",
        ),
        specs={"power": ("30 W", "65 W"), "ports": ("2 × USB-C, 1 × USB-A", "1 × USB-C")},
    ),
    "E-Reader": Kind(
        icon="tablet",
        materials=("soft-touch plastic", "recycled aluminium"),
        colours=("Matte black", "Sage green", "Plum", "Charcoal"),
        pitches=(
            "A glare-free six-inch screen that reads like paper in full sun, with a warm "
            "light for the evenings. It holds thousands of books, and the battery lasts for "
            "weeks.",
            "Waterproof, light enough to hold in one hand, and with page-turn buttons for "
            "reading in the bath or on the beach. Adjustable fonts and text sizes make long "
            "reads easy on the eyes.",
        ),
        specs={"screen": ("6 inches, 300 ppi", "7 inches, 300 ppi"), "storage": ("16 GB",)},
    ),
    "Keyboard": Kind(
        icon="keyboard",
        materials=("aluminium", "recycled plastic"),
        colours=("Stainless silver", "Charcoal", "Snow white", "Lavender"),
        pitches=(
            "A low-profile wireless keyboard with quiet scissor keys and a full number pad. "
            "It pairs with three devices and switches between them with a single key.",
            "A compact mechanical keyboard with tactile switches and a solid case that does "
            "not flex. The backlit keys make late sessions easy on the eyes.",
        ),
        specs={"layout": ("UK English", "US English"), "connection": ("Bluetooth and USB-C",)},
    ),
    # Home
    "Lamp": Kind(
        icon="lamp",
        materials=("brushed brass", "powder-coated steel", "ceramic with a linen shade"),
        colours=("Mustard", "Cream", "Matte black", "Sage green", "Terracotta"),
        pitches=(
            "A table lamp whose shade spreads a warm, even light for reading or a quiet "
            "evening. The dimmer on the cable takes it all the way down to a glow.",
            "A lamp with an adjustable head, so the light falls exactly where you need it. "
            "The weighted base keeps it steady, and an LED bulb comes in the box.",
        ),
        specs={"height": ("45 cm", "52 cm"), "bulb": ("E27, LED included",)},
    ),
    "Throw Blanket": Kind(
        icon="bed",
        materials=("merino wool", "organic cotton", "wool and cashmere blend"),
        colours=("Oatmeal", "Terracotta", "Forest green", "Mustard", "Pebble grey"),
        pitches=(
            "A generous throw, warm enough for cold evenings yet light enough to leave over "
            "the sofa all year round. It is finished with hand-knotted fringes.",
            "A textured waffle-weave throw that gets softer with every wash. It is big "
            "enough to share on the sofa and easy to fold away.",
        ),
        specs={"size": ("130 × 170 cm", "150 × 200 cm"), "care": ("machine wash at 30 °C",)},
    ),
    "Vase": Kind(
        icon="amphora",
        materials=("hand-thrown stoneware", "recycled glass", "matte ceramic"),
        colours=("Sage green", "Cream", "Ocean blue", "Blush pink", "Charcoal"),
        pitches=(
            "A vase with a narrow neck that holds a few stems upright, or a single branch on "
            "its own. Each one is finished by hand and varies slightly, so yours is one of a "
            "kind.",
            "A generous vase for a full bunch of garden flowers, with a heavy base so tall "
            "stems do not tip it over. Watertight, and good-looking empty on a shelf too.",
        ),
        specs={"height": ("24 cm", "30 cm")},
    ),
    "Wall Clock": Kind(
        icon="clock",
        materials=("solid oak", "spun aluminium", "walnut veneer"),
        colours=("Natural oak", "Walnut brown", "Snow white", "Matte black"),
        pitches=(
            "A wall clock with a silent sweep movement, so there is no ticking in a bedroom "
            "or a study. The clear dial is easy to read from across the room.",
            "A large station-style clock with bold numerals and slim hands, made to be read "
            "at a glance from the kitchen table. It runs for a year on one AA battery.",
        ),
        specs={"diameter": ("30 cm", "40 cm"), "movement": ("silent sweep",)},
    ),
    "Cushion": Kind(
        icon="sofa",
        materials=("washed linen", "cotton velvet", "wool bouclé"),
        colours=("Mustard", "Teal", "Blush pink", "Oatmeal", "Plum"),
        pitches=(
            "A plump cushion that holds its shape and sinks in just enough. The cover has a "
            "concealed zip and comes off for washing.",
            "A square cushion with piped edges that smartens up a sofa or a reading chair. "
            "The filling is light and washable, good news for anyone with allergies.",
        ),
        specs={"size": ("45 × 45 cm", "50 × 50 cm")},
    ),
    # Toys
    "Puzzle": Kind(
        icon="puzzle",
        materials=("recycled board", "sustainably sourced wood"),
        colours=("Sky blue", "Coral", "Sunflower yellow", "Mint"),
        pitches=(
            "A jigsaw of a busy illustrated market, full of small stories to find as you go. "
            "The pieces are thick and fit snugly, and a poster of the picture is in the box.",
            "A family jigsaw with pieces of different sizes, so younger and older puzzlers "
            "can work on the same picture together. Its linen finish cuts the glare from a "
            "lamp.",
        ),
        specs={"pieces": ("500 pieces", "1,000 pieces"), "age": ("8 years and up",)},
    ),
    "Kite": Kind(
        icon="wind",
        materials=("ripstop nylon with fibreglass spars", "polyester with carbon spars"),
        colours=("Tomato red", "Sky blue", "Sunflower yellow", "Fox orange"),
        pitches=(
            "A single-line delta kite that lifts off in the lightest breeze and stays steady "
            "in the gusts. It comes with 30 metres of line on a handle, ready to fly straight "
            "out of the bag.",
            "A dual-line stunt kite for loops, dives and figures of eight once you have the "
            "hang of it. Tough enough to survive a few crash landings on the beach.",
        ),
        specs={"span": ("1.2 m", "1.6 m"), "age": ("6 years and up",)},
    ),
    "Building Set": Kind(
        icon="blocks",
        materials=("beechwood", "recycled plastic"),
        colours=("Sunflower yellow", "Tomato red", "Sky blue", "Mint"),
        pitches=(
            "Smooth, solid blocks in a handful of shapes that stack into towers, bridges and "
            "marble runs. Everything packs back into its crate at bedtime.",
            "Interlocking bricks with wheels, windows and hinges, for vehicles and houses "
            "alike. An idea book suggests twelve models to start with.",
        ),
        specs={"pieces": ("120 pieces", "250 pieces"), "age": ("3 years and up", "6 years and up")},
    ),
    "Plush Fox": Kind(
        icon="squirrel",
        materials=("recycled polyester plush", "organic cotton"),
        colours=("Fox orange", "Coral", "Sand", "Cream"),
        pitches=(
            "A soft fox with a bushy tail and embroidered eyes, safe for the smallest hands. "
            "It is made to be cuddled, dragged around and washed again.",
            "A floppy, huggable fox with beanbag paws that help it sit up on a shelf or a "
            "pillow. It goes in the washing machine at 30 °C.",
        ),
        specs={"height": ("30 cm", "40 cm"), "age": ("from birth",)},
    ),
    "Board Game": Kind(
        icon="dices",
        materials=("cardboard and wood", "recycled card"),
        colours=("Navy", "Tomato red", "Forest green", "Plum"),
        pitches=(
            "A strategy game of building trade routes across an island: easy to learn in ten "
            "minutes, and different every time you play. The rulebook has clear examples.",
            "A quick, chatty party game of guessing and bluffing that works as well with "
            "grandparents as with teenagers. Games take half an hour, so there is always "
            "time for a rematch.",
        ),
        specs={"players": ("2–4 players", "3–6 players"), "playing time": ("30–45 minutes",)},
    ),
}
