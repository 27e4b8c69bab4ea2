# Shop copy is typeset with multiplication signs and tildes, which RUF001 would refuse.
# ruff: noqa: RUF001
"""The demo catalog in Korean: every word kinds.py and catalog.py say in English, as a Korean
shop says it (product names like "노르딕 램프", sizes as "1.5L", "320쪽", "8세 이상").

catalog.py picks a product's kind, material, colour, specifications and sentences in English
(deterministically, the English shop unchanged) and says the same choices in Korean from here.
"""

from __future__ import annotations

import re

#: The language these texts are in (the key in the products' and categories' translations).
LANGUAGE = "ko"

CATEGORY_NAMES: dict[str, str] = {
    "kitchen": "주방",
    "books": "도서",
    "outdoors": "아웃도어",
    "electronics": "전자기기",
    "home": "홈·리빙",
    "toys": "장난감",
}

#: The first word of each product's name (catalog.ADJECTIVES).
ADJECTIVES: dict[str, str] = {
    "Classic": "클래식",
    "Compact": "컴팩트",
    "Deluxe": "디럭스",
    "Everyday": "데일리",
    "Nordic": "노르딕",
    "Studio": "스튜디오",
    "Trail": "트레일",
    "Urban": "어반",
    "Vintage": "빈티지",
    "Bright": "브라이트",
}

ADJECTIVE_LINES: dict[str, str] = {
    "Classic": "유행을 좇는 장식 없이 수십 년 동안 자리를 지켜 온 디자인입니다.",
    "Compact": "일반 제품보다 작아서 쓰지 않을 때는 간편하게 넣어 둘 수 있습니다.",
    "Deluxe": "디럭스 버전은 작은 디테일 하나까지 더욱 정성껏 마감했습니다.",
    "Everyday": "매일 쓰도록 만들었고 관리하기도 쉽습니다.",
    "Nordic": "깔끔한 스칸디나비아풍 라인과 차분한 색감이 어디에 두어도 잘 어우러집니다.",
    "Studio": "소규모 공방의 제작자들과 함께 디자인해 한정 수량으로 만들었습니다.",
    "Trail": "튼튼하고 가벼워서 여행 가방에 넣어도, 집에 두어도 제 몫을 합니다.",
    "Urban": "절제된 디자인에 튼튼하게 만들어 작은 도시 집과 바쁜 일상에 잘 맞습니다.",
    "Vintage": "미드센추리 오리지널에서 영감을 받아 따뜻하고 손때 묻은 멋이 있습니다.",
    "Bright": "경쾌하고 선명한 색이 선반에도, 식탁에도, 가방에도 생기를 더합니다.",
}

COLOURS: dict[str, str] = {
    "Matte black": "매트 블랙",
    "Charcoal": "차콜",
    "Slate grey": "슬레이트 그레이",
    "Pebble grey": "페블 그레이",
    "Stainless silver": "스테인리스 실버",
    "Snow white": "스노 화이트",
    "Cream": "크림",
    "Oatmeal": "오트밀",
    "Sand": "샌드",
    "Natural oak": "내추럴 오크",
    "Walnut brown": "월넛 브라운",
    "Terracotta": "테라코타",
    "Brick red": "브릭 레드",
    "Tomato red": "토마토 레드",
    "Fox orange": "폭스 오렌지",
    "Mustard": "머스터드",
    "Sunflower yellow": "선플라워 옐로",
    "Olive": "올리브",
    "Sage green": "세이지 그린",
    "Forest green": "포레스트 그린",
    "Mint": "민트",
    "Teal": "틸",
    "Sky blue": "스카이 블루",
    "Ocean blue": "오션 블루",
    "Navy": "네이비",
    "Lavender": "라벤더",
    "Plum": "플럼",
    "Blush pink": "블러시 핑크",
    "Coral": "코랄",
}

MATERIALS: dict[str, str] = {
    "BPA-free Tritan": "BPA 프리 트라이탄",
    "Cordura nylon": "코듀라 나일론",
    "Damascus-pattern steel with a walnut handle": "월넛 손잡이의 다마스커스 패턴 강철",
    "German stainless steel with an oak handle": "오크 손잡이의 독일산 스테인리스 스틸",
    "aluminium": "알루미늄",
    "aluminium and memory foam": "알루미늄과 메모리폼",
    "aluminium with a silicone strap": "실리콘 스트랩을 단 알루미늄",
    "beechwood": "너도밤나무 원목",
    "borosilicate glass": "내열 붕규산 유리",
    "brushed brass": "브러시드 황동",
    "brushed stainless steel": "브러시드 스테인리스 스틸",
    "carbon steel": "탄소강",
    "cardboard and wood": "판지와 원목",
    "cast iron with an enamel lining": "법랑 코팅 주철",
    "ceramic with a linen shade": "린넨 갓을 씌운 세라믹",
    "clothbound hardback": "천 양장본",
    "cotton canvas": "코튼 캔버스",
    "cotton velvet": "코튼 벨벳",
    "double-walled stainless steel": "이중벽 스테인리스 스틸",
    "enamelled steel": "법랑 스틸",
    "fabric-wrapped aluminium": "패브릭으로 감싼 알루미늄",
    "flexibound paperback": "유연 제본 페이퍼백",
    "glazed stoneware": "유약을 입힌 스톤웨어",
    "hand-thrown stoneware": "물레로 빚은 스톤웨어",
    "hardback": "양장본",
    "high-carbon steel with a resin handle": "레진 손잡이의 고탄소강",
    "large-format hardback": "대형 판형 양장본",
    "matte ceramic": "무광 세라믹",
    "melamine with a non-slip base": "미끄럼 방지 바닥의 멜라민",
    "merino wool": "메리노 울",
    "organic cotton": "오가닉 코튼",
    "paperback": "페이퍼백",
    "parachute nylon": "낙하산 나일론",
    "polycarbonate with an elastic strap": "고무 밴드를 단 폴리카보네이트",
    "polyester with aluminium poles": "알루미늄 폴을 갖춘 폴리에스터",
    "polyester with carbon spars": "카본 살대의 폴리에스터",
    "porcelain": "자기",
    "powder-coated steel": "분체 도장 스틸",
    "pre-seasoned cast iron": "시즈닝을 마친 주철",
    "recycled aluminium": "재활용 알루미늄",
    "recycled board": "재활용 보드지",
    "recycled card": "재활용 카드지",
    "recycled glass": "재활용 유리",
    "recycled nylon": "재활용 나일론",
    "recycled plastic": "재활용 플라스틱",
    "recycled plastic and protein leather": "재활용 플라스틱과 프로틴 레더",
    "recycled plastic with a fabric grille": "패브릭 그릴을 씌운 재활용 플라스틱",
    "recycled polyester": "재활용 폴리에스터",
    "recycled polyester plush": "재활용 폴리에스터 플러시",
    "ripstop nylon": "립스톱 나일론",
    "ripstop nylon with fibreglass spars": "유리섬유 살대의 립스톱 나일론",
    "soft-touch plastic": "소프트 터치 플라스틱",
    "solid oak": "오크 원목",
    "spiral-bound hardback that lies flat": "평평하게 펼쳐지는 스프링 양장본",
    "spun aluminium": "스피닝 가공 알루미늄",
    "stainless steel": "스테인리스 스틸",
    "stoneware": "스톤웨어",
    "sustainably sourced wood": "지속 가능하게 얻은 원목",
    "tri-ply stainless steel": "3중 스테인리스 스틸",
    "walnut veneer": "월넛 무늬목",
    "washed linen": "워싱 린넨",
    "water-resistant paperback": "생활 방수 페이퍼백",
    "waxed canvas": "왁스 캔버스",
    "wool and cashmere blend": "울·캐시미어 혼방",
    "wool bouclé": "울 부클레",
}

#: The specifications' names (a kind's `material_label` and `specs` keys, and "colour").
SPEC_LABELS: dict[str, str] = {
    "material": "소재",
    "format": "형태",
    "colour": "색상",
    "capacity": "용량",
    "power": "전력",
    "blade": "날 길이",
    "weight": "무게",
    "diameter": "지름",
    "pages": "쪽수",
    "language": "언어",
    "recipes": "레시피",
    "size": "크기",
    "sleeps": "수용 인원",
    "brightness": "밝기",
    "battery": "배터리",
    "length": "길이",
    "load": "최대 하중",
    "ports": "포트",
    "screen": "화면",
    "storage": "저장 용량",
    "layout": "자판 배열",
    "connection": "연결 방식",
    "height": "높이",
    "bulb": "전구",
    "care": "세탁 방법",
    "movement": "무브먼트",
    "pieces": "구성",
    "age": "사용 연령",
    "span": "날개 폭",
    "players": "인원",
    "playing time": "게임 시간",
}

#: Specification values said in words rather than as a number and a unit.
_SPEC_WORDS: dict[str, str] = {
    "English": "영어",
    "pocket size, 19 × 12 cm": "포켓판, 19 × 12cm",
    "2 × USB-C, 1 × USB-A": "USB-C 2개, USB-A 1개",
    "1 × USB-C": "USB-C 1개",
    "6 inches, 300 ppi": "6인치, 300ppi",
    "7 inches, 300 ppi": "7인치, 300ppi",
    "UK English": "영국식 영문 배열",
    "US English": "미국식 영문 배열",
    "Bluetooth and USB-C": "블루투스, USB-C",
    "E27, LED included": "E27, LED 전구 포함",
    "machine wash at 30 °C": "30 °C 세탁기 세탁",
    "silent sweep": "무소음 스위프",
    "from birth": "0세부터",
}
_NUMBER = r"[0-9][0-9,.]*"
#: A number and its unit, the Korean way (units written on the number: "1.5L", "185g").
_SPEC_UNITS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (rf"({_NUMBER}) litres?", r"\1L"),
        (rf"({_NUMBER}) (W|cm|g|kg|m|GB)", r"\1\2"),
        (rf"({_NUMBER}) × ({_NUMBER}) cm", r"\1 × \2cm"),
        (rf"({_NUMBER}) pages", r"\1쪽"),
        (rf"({_NUMBER}) recipes", r"레시피 \1가지"),
        (rf"({_NUMBER}) people", r"\1인용"),
        (rf"({_NUMBER}) lumens", r"\1루멘"),
        (rf"({_NUMBER}) hours", r"\1시간"),
        (rf"({_NUMBER}) pieces", r"\1피스"),
        (rf"({_NUMBER}) years and up", r"\1세 이상"),
        (rf"({_NUMBER})–({_NUMBER}) players", r"\1~\2인"),
        (rf"({_NUMBER})–({_NUMBER}) minutes", r"\1~\2분"),
    )
)


def spec_value(value: str) -> str:
    """A specification's value in Korean; KeyError for one this module cannot say (so a new
    value in kinds.py fails the seed and the tests rather than showing in English)."""
    if value in _SPEC_WORDS:
        return _SPEC_WORDS[value]
    if value.startswith("up to "):
        return "최대 " + spec_value(value.removeprefix("up to "))
    for pattern, replacement in _SPEC_UNITS:
        if pattern.fullmatch(value):
            return pattern.sub(replacement, value)
    raise KeyError(value)


#: How a product's material and colour are said, per category, in the order of
#: catalog.FINISHES (a product's Korean sentence is the one at its English one's place).
FINISHES: dict[str, tuple[str, ...]] = {
    "books": (
        "{colour} 표지의 {material}입니다.",
        "{material} 형태로 나왔으며 표지 색상은 {colour}입니다.",
    ),
    "electronics": (
        "본체는 {material} 소재이며 {colour} 색상으로 마감했습니다.",
        "{material} 소재에 {colour} 색상입니다.",
    ),
}
DEFAULT_FINISHES = (
    "{material} 소재로 만들었고 색상은 {colour}입니다.",
    "{colour} 색상의 {material} 제품입니다.",
)

#: Each kind's name and its two descriptions (kinds.KINDS, in the same order).
KINDS: dict[str, tuple[str, tuple[str, str]]] = {
    # Kitchen
    "Kettle": (
        "전기포트",
        (
            "1리터를 3분 안에 끓이고 다 끓으면 저절로 전원이 꺼지는 전기포트입니다. "
            "넓은 뚜껑은 엄지 하나로 열려 물을 붓기도, 물때를 닦기도 편합니다. "
            "수위 창에는 리터 눈금과 함께 컵 눈금도 표시되어 있습니다.",
            "빠르고 조용하며 따르기 쉬운 전기포트입니다. 물이 흐르지 않게 다듬은 "
            "주둥이에, 손잡이는 뜨거워지지 않습니다. 360° 회전 받침대에서 들어 올리는 "
            "방식이라 왼손잡이도 편하게 쓰고, 물때 필터는 흐르는 물에 헹구면 깨끗해집니다.",
        ),
    ),
    "Chef's Knife": (
        "셰프 나이프",
        (
            "양파와 허브, 단호박까지 가리지 않고 썰어 내는 20도 날의 만능 셰프 "
            "나이프입니다. 풀탱 구조로 손가락 보호대 부근에서 무게 중심이 잡혀, "
            "오래 손질해도 손이 편합니다.",
            "잘게 다지는 허브부터 주말의 로스트 요리까지 두루 쓰는 셰프 나이프입니다. "
            "날 뒤쪽을 얇게 연마해 절삭력이 오래가고, 연마봉에 몇 번 문지르면 다시 "
            "살아납니다. 손으로 씻어 물기를 닦아 두면 오래오래 쓸 수 있습니다.",
        ),
    ),
    "Skillet": (
        "프라이팬",
        (
            "바닥이 두꺼워 열을 오래 머금는 프라이팬으로, 스테이크는 제대로 굽고 "
            "감자는 바삭하게 익힙니다. 260 °C까지 레인지에서 오븐으로 바로 옮길 수 "
            "있고 인덕션에서도 쓸 수 있습니다.",
            "토요일엔 팬케이크, 일요일엔 프리타타까지, 이 프라이팬은 가운데부터 "
            "가장자리까지 열을 고르게 전합니다. 긴 손잡이는 팬보다 덜 뜨겁고, 양쪽에 "
            "붓는 입이 있어 소스가 레인지에 흐르지 않습니다.",
        ),
    ),
    "Teapot": (
        "티포트",
        (
            "네 잔 분량의 티포트입니다. 촘촘한 거름망이 찻잎이 충분히 펼쳐질 공간을 "
            "주고, 한 번에 들어 올려 뺄 수 있습니다. 주둥이에서 차가 깔끔하게 떨어져 "
            "옆으로 흘러내리지 않습니다.",
            "느긋하게 차를 우리기 좋은 티포트입니다. 두꺼운 벽이 두 번째 잔까지 차를 "
            "따뜻하게 지켜 주고, 뚜껑이 고정되어 따를 때도 움직이지 않습니다. 연하게 "
            "마시고 싶다면 거름망을 일찍 빼 주세요.",
        ),
    ),
    "Mixing Bowl": (
        "믹싱볼",
        (
            "빵 반죽과 케이크 반죽, 넉넉한 샐러드까지 담는 깊은 볼입니다. 넓은 "
            "테두리를 잡고 거품기를 돌릴 수 있고, 묵직한 바닥 덕분에 조리대 위에서 "
            "돌아가지 않습니다.",
            "높은 옆면이 밀가루와 반죽이 넘치지 않게 잡아 주고, 붓는 입이 있어 케이크 "
            "틀에 깔끔하게 부을 수 있습니다. 다른 볼과 포개어 보관할 수 있고 "
            "식기세척기 사용도 가능합니다.",
        ),
    ),
    # Books
    "Novel": (
        "소설",
        (
            "쓰러져 가는 바닷가 호텔을 물려받은 세 남매가 호텔을 살릴 마지막 여름을 "
            "보내는 이야기를 담은 데뷔작입니다. 따뜻하고 유쾌하면서도 조용히 마음을 "
            "울리는 소설로, 올해 저희 직원들이 서로에게 가장 많이 권한 책입니다.",
            "눈에 갇힌 산속 도서관에서 사라진 원고 한 편이 젊은 기록 연구사를 수십 년 "
            "전의 실종 사건으로 이끄는 문학 미스터리입니다. 분위기가 짙고, 한번 "
            "펼치면 내려놓기 어렵습니다.",
        ),
    ),
    "Cookbook": (
        "요리책",
        (
            "팬 하나와 몇 가지 재료로 만드는 평일 저녁 요리를 모았고, 모든 레시피에 "
            "사진이 실려 있습니다. 장마다 계절을 따라 구성되어 언제든 시장에 나온 "
            "재료에 맞는 요리를 찾을 수 있습니다.",
            "방법뿐 아니라 이유까지 설명하는 제빵 안내서로, 속결과 껍질, 발효 시간을 "
            "차근차근 다룹니다. 첫 사워도우 빵부터 겹겹이 접는 페이스트리까지, "
            "레시피마다 앞의 내용을 바탕으로 한 단계씩 나아갑니다.",
        ),
    ),
    "Atlas": (
        "지도책",
        (
            "200장이 넘는 상세 지도와 최신 국경, 지명 전체 색인을 담은 대형 세계 "
            "지도책입니다. 음영 기복 표현 덕분에 산맥과 강 유역이 한눈에 들어옵니다.",
            "호기심 많은 독자를 위한 지도책으로, 나라별 지도와 함께 무역풍과 철새의 "
            "이동 경로, 밤에 빛나는 도시의 불빛까지 지도로 보여 줍니다. 지도마다 "
            "어떻게 만들었는지 짧은 글이 곁들여져 있습니다.",
        ),
    ),
    "Field Guide": (
        "도감",
        (
            "유럽의 새를 담은 포켓 도감으로, 모든 종을 컬러 도판으로 싣고 어린 새와 "
            "암수 차이까지 보여 줍니다. 분포 지도와 글로 풀어 쓴 울음소리 설명이 "
            "헷갈리는 종을 구별하는 데 도움이 됩니다.",
            "산책길에서 만나는 나무와 들꽃, 버섯의 이름을 찾아보는 도감입니다. 종마다 "
            "한 쪽씩 선명한 그림과 핵심 특징, 헷갈리기 쉬운 비슷한 종을 정리했습니다. "
            "표지는 소나기쯤은 거뜬히 견딥니다.",
        ),
    ),
    "Poetry Book": (
        "시집",
        (
            "밤의 도시와 늦은 기차, 단 한 번 스쳐 간 사람들에 관한 짧은 시를 모은 "
            "시집입니다. 간결하고 음악적이어서 한 편씩 꺼내 읽기 좋습니다.",
            "사랑받아 온 고전부터 새로운 목소리까지 한 세기에 걸친 자연시를 엮은 "
            "선집으로, 시인마다 짧은 소개가 실려 있습니다. 머리맡에 두고 읽기 좋은 "
            "책입니다.",
        ),
    ),
    # Outdoors
    "Tent": (
        "텐트",
        (
            "허브 폴 하나로 5분 안에 설치하는 출입구 두 개짜리 백패킹 텐트입니다. "
            "출입구마다 신발과 배낭을 둘 전실이 있고, 메시 이너가 더운 밤에도 공기를 "
            "순환시킵니다.",
            "내수압 3,000mm에 심실링까지 마친 플라이가 제대로 쏟아지는 비에도 "
            "보송하게 지켜 주는 튼튼한 3시즌 텐트입니다. 색깔별로 구분된 클립 덕분에 "
            "어두운 곳에서도 쉽게 칠 수 있습니다.",
        ),
    ),
    "Backpack": (
        "백팩",
        (
            "통풍이 되는 등판과 쿠션을 넣은 힙벨트, 수통 슬리브를 갖춘 데이팩입니다. "
            "양옆 주머니에는 1리터 물병이 들어가고, 상단 주머니에는 열쇠와 간식을 "
            "가까이 둘 수 있습니다.",
            "여행 가방처럼 활짝 열려 짐을 다 꺼내지 않아도 원하는 물건을 꺼낼 수 "
            "있습니다. 쿠션 노트북 슬리브와 바닥에 수납된 레인 커버, 압축 스트랩까지 "
            "갖춰 기차에서도 산길에서도 잘 어울립니다.",
        ),
    ),
    "Headlamp": (
        "헤드랜턴",
        (
            "350루멘 메인 빔과 야간 시야를 지켜 주는 적색등, 가방 속에서 켜지지 않게 "
            "막는 잠금 기능을 갖춘 충전식 헤드랜턴입니다. USB-C로 약 3시간이면 "
            "완충됩니다.",
            "쓰고 있다는 것을 잊을 만큼 가볍고, 빔 각도를 45도까지 조절할 수 있으며 "
            "캠프장 주변을 넓게 밝히는 투광등도 있습니다. IPX6 등급이라 비가 와도 "
            "걱정 없습니다.",
        ),
    ),
    "Trail Bottle": (
        "아웃도어 보틀",
        (
            "산에서 보내는 하루 내내 물은 시원하게, 차는 12시간 동안 따뜻하게 지켜 "
            "주는 이중벽 보틀입니다. 새지 않는 캡에는 고리가 달려 있고, 입구가 넓어 "
            "얼음도 쏙 들어갑니다.",
            "가볍고 튼튼하며 움직이면서 마시기 편한 보틀입니다. 플립 마개는 한 손으로 "
            "열리고, 표준 자전거 물병 케이지와 배낭 옆 주머니에 꼭 맞습니다.",
        ),
    ),
    "Hammock": (
        "해먹",
        (
            "부드러운 낙하산 나일론으로 만든 1인용 해먹으로, 자몽만 한 크기의 전용 "
            "파우치에 쏙 들어갑니다. 고리가 넉넉한 나무 보호 스트랩으로 매듭 없이 "
            "몇 분 만에 알맞게 걸 수 있습니다.",
            "정원이나 캠핑장에서 쓰기 좋은 넉넉한 해먹으로, 대각선으로 누워 더 "
            "평평하게 쉴 수 있을 만큼 폭이 넓습니다. 원목 스프레더 바가 해먹을 펼쳐 "
            "주고, 로프와 고리도 함께 들어 있습니다.",
        ),
    ),
    # Electronics
    "Headphones": (
        "헤드폰",
        (
            "기차와 개방형 사무실의 소음을 덜어 주는 노이즈 캔슬링 무선 오버이어 "
            "헤드폰입니다. 완충하면 30시간 쓸 수 있고, 케이블로 10분만 충전해도 "
            "3시간을 더 들을 수 있습니다.",
            "따뜻하고 균형 잡힌 소리에 부드러운 쿠션이 긴 비행에도 편안한 가벼운 "
            "접이식 헤드폰입니다. 휴대폰과 노트북 사이를 알아서 전환합니다.",
        ),
    ),
    "Speaker": (
        "스피커",
        (
            "방 하나를 선명하고 풍성한 소리로 채우고 한 번 충전으로 12시간 재생하는 "
            "휴대용 블루투스 스피커입니다. IP67 방진·방수 등급이라 수영장에 빠져도 "
            "물에 뜹니다.",
            "책장에 올려 둘 만한 크기에 놀랄 만큼 깊은 저음을 내는 스피커입니다. 두 "
            "대를 연결해 스테레오로 듣고, 내장 마이크로 통화하고, USB-C 포트로 "
            "휴대폰도 충전할 수 있습니다.",
        ),
    ),
    "Charger": (
        "충전기",
        (
            "USB-C 포트 두 개와 USB-A 포트 하나로 노트북과 휴대폰, 이어폰을 한꺼번에 "
            "충전하는 65W 소형 충전기입니다. 접이식 플러그라 여행길에도 깔끔하게 "
            "챙길 수 있습니다.",
            "대부분의 휴대폰을 30분 정도면 절반까지 충전하는 작은 고속 충전기입니다. "
            "포트 사이에 전력을 알맞게 나누고, 충전하는 동안에도 뜨거워지지 "
            "않습니다.",
        ),
    ),
    "E-Reader": (
        "전자책 리더",
        (
            "한낮의 햇빛 아래서도 종이처럼 읽히는 눈부심 없는 6인치 화면에, 저녁에는 "
            "따뜻한 색의 조명을 켤 수 있습니다. 수천 권의 책을 담을 수 있고 배터리는 "
            "몇 주 동안 갑니다.",
            "방수가 되고 한 손으로 들 만큼 가벼우며, 페이지 넘김 버튼이 있어 욕조나 "
            "해변에서도 읽기 좋습니다. 글꼴과 글자 크기를 조절할 수 있어 긴 글도 "
            "눈이 편합니다.",
        ),
    ),
    "Keyboard": (
        "키보드",
        (
            "조용한 시저 키와 숫자 키패드를 모두 갖춘 로우 프로파일 무선 키보드입니다. "
            "기기 세 대와 연결해 두고 키 하나로 전환할 수 있습니다.",
            "택타일 스위치와 휘지 않는 단단한 하우징을 갖춘 컴팩트 기계식 "
            "키보드입니다. 백라이트 키 덕분에 늦은 밤 작업에도 눈이 편합니다.",
        ),
    ),
    # Home
    "Lamp": (
        "램프",
        (
            "갓이 따뜻하고 고른 빛을 퍼뜨려 책을 읽거나 조용한 저녁을 보내기 좋은 "
            "테이블 램프입니다. 전선에 달린 조광기로 은은한 불빛까지 밝기를 낮출 수 "
            "있습니다.",
            "헤드 각도를 조절해 필요한 곳에 정확히 빛을 비추는 램프입니다. 묵직한 "
            "받침이 흔들림 없이 잡아 주고, LED 전구가 함께 들어 있습니다.",
        ),
    ),
    "Throw Blanket": (
        "블랭킷",
        (
            "추운 저녁에는 충분히 따뜻하고 일 년 내내 소파에 걸쳐 두어도 될 만큼 "
            "가벼운 넉넉한 크기의 블랭킷입니다. 가장자리는 손으로 매듭지은 술로 "
            "마무리했습니다.",
            "빨수록 더 부드러워지는 와플 조직의 블랭킷입니다. 소파에서 함께 덮을 만큼 "
            "크고, 접어서 보관하기도 쉽습니다.",
        ),
    ),
    "Vase": (
        "화병",
        (
            "좁은 목이 꽃 몇 송이를 꼿꼿하게 세워 주고, 나뭇가지 하나만 꽂아도 "
            "멋스러운 화병입니다. 하나하나 손으로 마무리해 모양이 조금씩 달라서 "
            "세상에 하나뿐인 화병이 됩니다.",
            "정원에서 꺾은 꽃 한 다발을 넉넉히 담는 화병으로, 바닥이 묵직해 키 큰 "
            "꽃을 꽂아도 넘어지지 않습니다. 물이 새지 않고, 비워 둔 채 선반에 올려 "
            "두어도 보기 좋습니다.",
        ),
    ),
    "Wall Clock": (
        "벽시계",
        (
            "초침이 부드럽게 흐르는 무소음 무브먼트라 침실이나 서재에서도 째깍거리는 "
            "소리가 나지 않는 벽시계입니다. 깔끔한 문자판은 방 건너편에서도 잘 "
            "보입니다.",
            "굵은 숫자와 가는 바늘로 식탁에서도 한눈에 시간을 읽을 수 있는 큼직한 역 "
            "시계 스타일의 벽시계입니다. AA 건전지 하나로 1년 동안 작동합니다.",
        ),
    ),
    "Cushion": (
        "쿠션",
        (
            "형태가 잘 유지되면서도 알맞게 푹신하게 몸을 받쳐 주는 도톰한 "
            "쿠션입니다. 커버에는 숨은 지퍼가 있어 벗겨서 세탁할 수 있습니다.",
            "가장자리에 파이핑을 둘러 소파나 독서 의자를 단정하게 꾸며 주는 정사각형 "
            "쿠션입니다. 충전재가 가볍고 세탁할 수 있어 알레르기가 있는 분께도 "
            "좋습니다.",
        ),
    ),
    # Toys
    "Puzzle": (
        "퍼즐",
        (
            "북적이는 시장 풍경을 그린 직소 퍼즐로, 맞춰 가다 보면 곳곳에 숨은 작은 "
            "이야기를 발견하게 됩니다. 조각이 두툼하고 꼭 맞물리며, 완성 그림 "
            "포스터가 함께 들어 있습니다.",
            "조각 크기가 제각각이라 아이와 어른이 한 그림을 함께 맞출 수 있는 가족용 "
            "직소 퍼즐입니다. 린넨 마감이라 조명 아래에서도 빛 반사가 적습니다.",
        ),
    ),
    "Kite": (
        "연",
        (
            "아주 약한 바람에도 떠오르고 돌풍 속에서도 안정적으로 나는 외줄 델타 "
            "연입니다. 손잡이에 감긴 30미터 연줄이 함께 있어 가방에서 꺼내자마자 "
            "날릴 수 있습니다.",
            "요령을 익히면 공중회전과 급강하, 8자 비행까지 할 수 있는 두 줄 스턴트 "
            "연입니다. 해변에 몇 번 곤두박질쳐도 끄떡없을 만큼 튼튼합니다.",
        ),
    ),
    "Building Set": (
        "블록 세트",
        (
            "매끈하고 단단한 몇 가지 모양의 블록을 쌓아 탑과 다리, 구슬 길을 만드는 "
            "블록 세트입니다. 잘 시간이 되면 전부 상자에 다시 쏙 정리됩니다.",
            "바퀴와 창문, 경첩이 있는 맞물림 블록으로 자동차도 집도 만들 수 "
            "있습니다. 아이디어 북에 처음 만들어 볼 모델 12가지가 실려 있습니다.",
        ),
    ),
    "Plush Fox": (
        "여우 인형",
        (
            "복슬복슬한 꼬리와 수놓은 눈을 가진 부드러운 여우 인형으로, 아주 어린 "
            "아기가 만져도 안전합니다. 꼭 껴안고 끌고 다니다 또 빨 수 있게 "
            "만들었습니다.",
            "콩주머니 발이 달려 선반이나 베개 위에 앉혀 둘 수 있는, 축 늘어져 안아 "
            "주고 싶은 여우 인형입니다. 30 °C로 세탁기에 빨 수 있습니다.",
        ),
    ),
    "Board Game": (
        "보드게임",
        (
            "섬 곳곳에 교역로를 만들어 가는 전략 게임으로, 10분이면 배울 수 있고 할 "
            "때마다 새롭습니다. 규칙서에 알기 쉬운 예시가 실려 있습니다.",
            "추측과 허풍으로 왁자지껄하게 즐기는 파티 게임으로, 조부모님과도 십대 "
            "자녀와도 잘 어울립니다. 한 판에 30분이면 끝나 언제든 한 판 더 할 수 "
            "있습니다.",
        ),
    ),
}
