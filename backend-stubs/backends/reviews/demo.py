"""The demo reviews: a few per product, written about its kind, by varied people, over months.

Deterministic for a given reference time: the same seed gives the same authors, ratings,
texts and ages; only "now" moves the dates (tests pass their own).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from backends.catalog.catalog import demo_products

#: The oldest a demo review may be.
SPAN = timedelta(days=270)
AUTHORS = (
    "Ada L.", "Grace H.", "Linus T.", "Margaret H.", "Ken T.", "Barbara L.", "Dennis R.",
    "Frances A.", "Priya N.", "Sven K.", "Amara O.", "Tomás G.", "Mei W.", "Jonas B.",
    "Fatima Z.", "Oliver P.", "Ines M.", "Kwame A.", "Sofia R.", "Hamish D.", "Yuki S.",
    "Lena F.", "Rafael C.", "Noor H.", "Elif Y.", "Pádraig O.", "Chloé D.", "Marta W.",
)  # fmt: skip

#: For each kind: what people like about it, and what they mind.
PRAISE: dict[str, tuple[str, str]] = {
    "Kettle": ("it boils in no time", "the lid opens wide enough to clean inside"),
    "Chef's Knife": ("it came properly sharp", "it feels balanced even for long prep"),
    "Skillet": ("it gives a proper sear", "the heat is even right to the edges"),
    "Teapot": ("it pours without a single drip", "the tea stays hot through a second cup"),
    "Mixing Bowl": ("it doesn't slide around when I whisk", "it is deep enough for bread dough"),
    "Novel": ("I read it in two evenings", "the characters stayed with me for weeks"),
    "Cookbook": ("every recipe I tried worked first time", "the photos make you want to cook"),
    "Atlas": ("the maps are beautifully clear", "the kids spend hours with it"),
    "Field Guide": ("the illustrations make identification easy", "it fits in a coat pocket"),
    "Poetry Book": ("there is something new on every reread", "it is lovely to read aloud"),
    "Tent": ("it went up in minutes on the first try", "it stayed dry through a stormy night"),
    "Backpack": ("it carries comfortably all day", "there is a pocket for everything"),
    "Headlamp": ("the beam is bright and even", "it is so light I forget I'm wearing it"),
    "Trail Bottle": ("the water was still cold in the evening", "it really doesn't leak"),
    "Hammock": ("it's comfier than our sofa", "it packs down really small"),
    "Headphones": ("the noise cancelling is excellent on trains", "the battery lasts all week"),
    "Speaker": ("the sound is much bigger than its size", "it survived a drop into the pool"),
    "Charger": ("it charges my laptop and phone together", "it is tiny in a travel bag"),
    "E-Reader": ("the screen is easy on the eyes at night", "the battery goes on for weeks"),
    "Keyboard": ("typing on it is quiet and comfortable", "switching between devices is easy"),
    "Lamp": ("the light is warm and soft", "it looks even better than in the photos"),
    "Throw Blanket": ("it is soft and properly warm", "it washed well and kept its shape"),
    "Vase": ("the glaze is gorgeous", "it is heavy enough not to tip over"),
    "Wall Clock": ("it is completely silent", "you can read it from across the room"),
    "Cushion": ("it's plump and keeps its shape", "the colour is rich in real life"),
    "Puzzle": ("the pieces fit snugly", "the picture has so much to discover"),
    "Kite": ("it flew in the lightest breeze", "it survived lots of crash landings"),
    "Building Set": ("the pieces are solid and well made", "it keeps my kids busy for hours"),
    "Plush Fox": ("it is incredibly soft", "it came out of the wash like new"),
    "Board Game": ("the rules are quick to learn", "every game plays out differently"),
}
GRIPES: dict[str, tuple[str, str]] = {
    "Kettle": ("it is louder than I expected", "the handle gets warm near the lid"),
    "Chef's Knife": ("the handle is a little short for big hands", "it shows water spots"),
    "Skillet": ("it is heavier than I expected", "the handle gets hot in the oven"),
    "Teapot": ("the infuser is a bit small for big leaves", "the lid rattles when you pour"),
    "Mixing Bowl": ("it is too big for my cupboard", "the rim chipped after a month"),
    "Novel": ("the middle drags a little", "the ending felt rushed"),
    "Cookbook": ("some ingredients are hard to find", "the print is quite small"),
    "Atlas": ("it is too big for most shelves", "the index could be more detailed"),
    "Field Guide": ("some of the plates are rather small", "the range maps are hard to read"),
    "Poetry Book": ("a few of the poems didn't speak to me", "the paper is quite thin"),
    "Tent": ("the porch is small for two packs", "the pegs bend in hard ground"),
    "Backpack": ("the hip belt is short for me", "the zips are a bit stiff"),
    "Headlamp": ("the strap loosens over time", "the button is fiddly with gloves on"),
    "Trail Bottle": ("it is too tall for my car's cup holder", "the paint scuffs easily"),
    "Hammock": ("the straps are shorter than I'd like", "it's a bit narrow for two"),
    "Headphones": ("they press a little after a few hours", "the case is bulky"),
    "Speaker": ("the bass distorts at full volume", "pairing took a few tries"),
    "Charger": ("it gets warm charging two devices", "it blocks the next socket"),
    "E-Reader": ("the cover is sold separately", "the page turns are a touch slow"),
    "Keyboard": ("the keys are a bit loud", "there is no backlight on the function row"),
    "Lamp": ("the cable is short", "the switch is hard to reach"),
    "Throw Blanket": ("it sheds a little at first", "it is smaller than I imagined"),
    "Vase": ("the opening is narrow for thick stems", "the colour is darker than shown"),
    "Wall Clock": ("the hands are hard to see at night", "the hanging hook is flimsy"),
    "Cushion": ("the zip is a little stiff", "it is firmer than I hoped"),
    "Puzzle": ("one piece was missing", "the box is flimsy"),
    "Kite": ("the line tangles easily", "the spars feel fragile"),
    "Building Set": ("the box doesn't hold everything once it's built", "a few pieces are loose"),
    "Plush Fox": ("the tail went flat after a while", "it is smaller than in the pictures"),
    "Board Game": ("the box insert is useless", "it's best with four players, not two"),
}  # fmt: skip

TITLES: dict[int, tuple[str, ...]] = {
    5: ("Love it", "Exactly as described", "Would buy again", "Worth every cent",
        "Better than I hoped", "A real favourite"),
    4: ("Very good", "Solid choice", "Happy with it", "Nearly perfect", "Good value"),
    3: ("It's fine", "Does the job", "Okay for the price", "Mixed feelings"),
    2: ("Not great", "Expected more", "Could be better"),
    1: ("Disappointed", "Not for me", "Sent it back"),
}  # fmt: skip
#: How long the writer has had it, in their words.
OWNED = (
    "a couple of weeks",
    "a month",
    "two months",
    "since the spring",
    "about half a year",
    "since it arrived",
)
#: Review bodies by how happy the writer was; {kind} is the product's kind in lower case,
#: {good} and {bad} what they liked and minded about it, {owned} how long they have had it.
BODIES: dict[str, tuple[str, ...]] = {
    "happy": (
        "Bought this {kind} as a present and ended up keeping it. {Good}, and {good2}.",
        "{Good}. I've had it {owned} and use it almost every day; it still looks new.",
        "I compared a few before choosing this {kind}. {Good} and {good2}: no regrets.",
        "Arrived quickly and well packed. {Good}; {good2}. Recommended.",
        "My second one, the first went to my sister. {Good}.",
        "Had it {owned} now. {Good}, which is exactly what I wanted.",
        "Honestly the best {kind} I've owned. {Good}, and {good2}.",
        "{Good}! Five stars from our whole family.",
    ),
    "mixed": (
        "{Good}, but {bad}. Fine for the price.",
        "It does what it should and {good}. Still, {bad}, which is a shame.",
        "Nice {kind} overall. {Bad}, so three stars for now.",
        "After {owned}: {good}, though {bad}.",
    ),
    "unhappy": (
        "I wanted to like it, but {bad}. {Bad2} too. Returned it.",
        "{Bad}, and after {owned} {bad2}. Not what I expected from the description.",
        "Looks lovely, but {bad}. I'd look elsewhere.",
        "Two stars because {bad}, and {bad2}.",
    ),
}


@dataclass(frozen=True)
class DemoReview:
    sku: str
    author: str
    rating: int
    title: str
    body: str
    created_at: datetime


def _mood(rating: int) -> str:
    return "happy" if rating >= 4 else "mixed" if rating == 3 else "unhappy"


def _body(kind: str, rating: int, rng: random.Random) -> str:
    good, good2 = rng.sample(PRAISE[kind], 2)
    bad, bad2 = rng.sample(GRIPES[kind], 2)
    text = rng.choice(BODIES[_mood(rating)])
    return text.format(
        kind=kind.lower(),
        owned=rng.choice(OWNED),
        good=good,
        good2=good2,
        bad=bad,
        bad2=bad2,
        Good=good[0].upper() + good[1:],
        Bad=bad[0].upper() + bad[1:],
        Bad2=bad2[0].upper() + bad2[1:],
    )


def demo_reviews(now: datetime, seed: int = 3) -> Iterator[DemoReview]:
    """Up to five reviews for each demo product, dated over the `SPAN` before `now`, oldest
    first per product; the same ones for the same `now` and `seed`."""
    rng = random.Random(seed)
    for product in demo_products():
        count = rng.randint(0, 5)
        ages = sorted((rng.uniform(1, SPAN.total_seconds()) for _ in range(count)), reverse=True)
        authors = rng.sample(AUTHORS, count)  # nobody reviews the same product twice
        for age, author in zip(ages, authors, strict=True):
            rating = rng.choice((5, 5, 4, 4, 4, 3, 2, 1))
            yield DemoReview(
                sku=product.sku,
                author=author,
                rating=rating,
                title=rng.choice(TITLES[rating]),
                body=_body(product.kind, rating, rng),
                created_at=now - timedelta(seconds=round(age)),
            )
