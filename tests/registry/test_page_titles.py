"""A page's titles by language (`Page.titles`): one rule in the model, refused alike by the
admin, the API and `registry apply`, each naming the language at fault; carried by the API,
the configuration document and, only when a page has any, the snapshot."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from registry.configuration import dump, export
from registry.models import Change, Page
from registry.snapshot import build_snapshot

from tests.registry.test_admin_operator import _page_form
from tests.registry.test_api_resources import PRODUCT_PAGE, errors, patch, put

pytestmark = [pytest.mark.django_db, pytest.mark.urls("registry.urls")]


def _page(**titles: object) -> Page:
    return Page(name="cart", route="/cart", layout="cart.html", title="Your cart", titles=titles)


def _refusal(titles: object) -> list[str]:
    page = _page()
    page.titles = titles
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    return refused.value.message_dict["titles"]


# The model's rule.


@pytest.mark.parametrize(
    "titles",
    [
        {},
        {"ko": "장바구니"},
        {"pt-br": "Seu carrinho", "fil": "Ang iyong cart", "zh-hant": "購物車", "de-1996": "K"},
        {"ko": "x" * 200},
        {f"l{chr(97 + i)}": "t" for i in range(16)},
    ],
    ids=["none", "korean", "tags with subtags", "200 characters", "16 languages"],
)
def test_titles_by_lower_case_language_tags_are_taken(titles):
    page = _page()
    page.titles = titles
    page.full_clean()
    page.save()
    assert Page.objects.get().titles == titles


@pytest.mark.parametrize(
    ("titles", "reason"),
    [
        ({"KO": "장바구니"}, "'KO' is not a language tag"),
        ({"k": "장바구니"}, "'k' is not a language tag"),
        ({"kore": "장바구니"}, "'kore' is not a language tag"),
        ({"ko_kr": "장바구니"}, "'ko_kr' is not a language tag"),
        ({"ko-": "장바구니"}, "'ko-' is not a language tag"),
        ({"ko-abcdefghi": "장바구니"}, "'ko-abcdefghi' is not a language tag"),
        ({"ko-kr-x": "장바구니"}, "'ko-kr-x' is not a language tag"),
        ({"": "장바구니"}, "'' is not a language tag"),
        ({"k%d": "장바구니"}, "'k%d' is not a language tag"),
        ({"ko": ""}, "the title in 'ko' is empty"),
        ({"ko": "   "}, "the title in 'ko' is empty"),
        ({"ko": "장바\n구니"}, "the title in 'ko': this text must not contain a line break"),
        ({"ko": "100%\x00"}, "the title in 'ko': this text must not contain a control"),
        ({"ko": "x" * 201}, "the title in 'ko' is longer than 200 characters"),
        ({"ko": 5}, "the title in 'ko' must be text"),
        ({"ko": None}, "the title in 'ko' must be text"),
        ({"en": "Cart", "ko": ["장바구니"]}, "the title in 'ko' must be text"),
        ({"ko": "\u200b"}, "the title in 'ko' is empty"),  # shows nothing
        ({"ko": "\u00a0\u200d"}, "the title in 'ko' is empty"),
        ({"ko": "장바\u2028구니"}, "the title in 'ko': this text must not contain a line sep"),
        ({"ko": "\u202e니구바장"}, "the title in 'ko': this text must not contain a line sep"),
    ],
    ids=[
        "upper case", "one letter", "four letters", "underscore", "empty subtag",
        "long subtag", "two subtags", "empty key", "a percent sign", "empty", "blank", "two lines",
        "control character", "201 characters", "a number", "null", "a list",
        "zero-width space", "invisible", "line separator", "bidi override",
    ],
)  # fmt: skip
def test_a_bad_entry_is_refused_naming_its_language(titles, reason):
    (message,) = _refusal(titles)
    assert message.startswith(reason), message


@pytest.mark.parametrize(
    ("titles", "reason"),
    [
        ([["ko", "장바구니"]], 'titles are an object of languages to titles: {"ko": "장바구니"}'),
        ("장바구니", 'titles are an object of languages to titles: {"ko": "장바구니"}'),
        ({f"l{chr(97 + i)}": "t" for i in range(17)}, "a page has titles in at most 16"),
    ],
    ids=["a list", "a string", "17 languages"],
)
def test_titles_that_are_not_a_small_object_are_refused(titles, reason):
    (message,) = _refusal(titles)
    assert message.startswith(reason), message


# The admin.


def test_the_admin_shows_the_titles_as_a_json_box_with_an_example_and_refuses_a_bad_one(
    operator_client,
):
    html = operator_client.get("/admin/registry/page/add/").content.decode()
    # After the placements, which stay where the operator looks first (on a phone too).
    assert html.index('id="placements-group"') < html.index('name="titles"')
    assert html.index('name="titles"') < html.index('name="_save"')  # in the form
    box = html[html.index('name="titles"') :]
    assert 'placeholder="{&quot;ko&quot;: &quot;장바구니&quot;}"' in box[: box.index(">")]
    assert box[box.index(">") + 1 : box.index("</textarea>")].strip() == ""  # none: empty
    assert '{"ko": "장바구니"}; a language without one gets the title above' in html  # help

    form = _page_form(**{"placements-TOTAL_FORMS": 0})
    refused = operator_client.post(
        "/admin/registry/page/add/", {**form, "titles": '{"ko": "선물\\n세트"}'}
    )
    assert refused.status_code == 200
    assert "the title in &#x27;ko&#x27;: this text must not contain a line break" in (
        refused.content.decode()
    )
    assert not Page.objects.exists()

    assert operator_client.post("/admin/registry/page/add/", form).status_code == 302
    assert Page.objects.get().titles == {}  # an empty box: no titles
    page = Page.objects.get()
    changed = {**form, "titles": '{"ko": "선물"}'}
    response = operator_client.post(f"/admin/registry/page/{page.pk}/change/", changed)
    assert response.status_code == 302
    assert Page.objects.get().titles == {"ko": "선물"}
    html = operator_client.get(f"/admin/registry/page/{page.pk}/change/").content.decode()
    assert '{"ko": "선물"}' in html.replace("&quot;", '"')  # shown as written, not escaped
    assert '<td class="field-languages">ko</td>' in (
        operator_client.get("/admin/registry/page/").content.decode()
    )


# The API.


@pytest.fixture
def product_page(api, fragments):
    assert put(api, "/pages/product", PRODUCT_PAGE).status_code == 201


@pytest.fixture
def api():
    from django.test import Client

    return Client()


@pytest.fixture
def fragments(api):
    for name, template in (("header", "/fragment"), ("product", "/fragment/{sku}")):
        assert put(api, f"/fragments/{name}", {"path_template": template}).status_code == 201


def test_a_pages_titles_are_read_and_written_whole_under_its_etag(api, product_page):
    read = api.get("/api/v1/pages/product")
    assert read.json()["titles"] == {}
    old_etag = read["ETag"]
    body = {**PRODUCT_PAGE, "titles": {"ko": "상품", "pt-br": "Produto"}}
    replaced = put(api, "/pages/product", body, HTTP_IF_MATCH=old_etag)
    assert replaced.status_code == 200
    assert replaced.json()["titles"] == {"ko": "상품", "pt-br": "Produto"}
    assert replaced["ETag"] != old_etag  # the titles are part of what the ETag covers
    assert Page.objects.get().titles == {"ko": "상품", "pt-br": "Produto"}
    assert api.get("/api/v1/pages").json()[0]["titles"] == {"ko": "상품", "pt-br": "Produto"}
    # A tool that read the page before the titles came cannot overwrite them unseen.
    stale = put(api, "/pages/product", PRODUCT_PAGE, HTTP_IF_MATCH=old_etag)
    assert stale.status_code == 412
    assert Page.objects.get().titles == {"ko": "상품", "pt-br": "Produto"}
    # The same titles in another order are the same page: no change, the same ETag.
    changes = Change.objects.count()
    again = put(api, "/pages/product", {**body, "titles": {"pt-br": "Produto", "ko": "상품"}})
    assert (again.status_code, again["ETag"], Change.objects.count()) == (
        200, replaced["ETag"], changes
    )  # fmt: skip
    # PATCH changes them alone; leaving them out keeps them; PUT is the whole page.
    patched = patch(api, "/pages/product", {"titles": {"ko": "제품"}})
    assert patched.json()["titles"] == {"ko": "제품"}
    assert patch(api, "/pages/product", {"title": "Item"}).json()["titles"] == {"ko": "제품"}
    assert put(api, "/pages/product", PRODUCT_PAGE).json()["titles"] == {}
    (change,) = Change.objects.filter(details__has_key="titles").order_by("-id")[:1]
    assert change.details["titles"] == [{"ko": "제품"}, {}]


@pytest.mark.parametrize(
    ("titles", "where", "reason"),
    [
        ({"ko": "상\n품"}, "titles.ko", "the title in 'ko': this text must not contain a line"),
        ({"ko": "   "}, "titles.ko", "the title in 'ko' is empty"),
        ({"ko": "상품", "KO": "상품"}, "titles.KO", ""),  # the schema's pattern
        ({"ko": ""}, "titles.ko", ""),  # the schema's minimum length
        ({"ko": "x" * 201}, "titles.ko", ""),
        ({f"l{chr(97 + i)}": "t" for i in range(17)}, "titles", ""),
        (["ko", "상품"], "titles", ""),
        ({"ko": 5}, "titles.ko", ""),
    ],
    ids=[
        "two lines", "blank", "upper case", "empty", "too long", "17 languages", "a list",
        "a number",
    ],
)  # fmt: skip
def test_bad_titles_are_refused_naming_the_language_and_nothing_is_written(
    api, product_page, titles, where, reason
):
    before = api.get("/api/v1/pages/product").json()
    for write in (put(api, "/pages/product", {**PRODUCT_PAGE, "titles": titles}),
                  patch(api, "/pages/product", {"titles": titles})):  # fmt: skip
        reasons = errors(write)
        (found,) = [place for place in reasons if place.startswith(where)]
        assert found.split(".")[: where.count(".") + 1] == where.split("."), reasons
        assert reasons[found].startswith(reason), reasons
    assert api.get("/api/v1/pages/product").json() == before


# Configuration as code.

DOCUMENT = """\
fragments:
  header: {}
pages:
  cart:
    route: /cart
    layout: cart.html
    title: Your cart
    titles:
      pt-br: Seu carrinho
      ko: 장바구니
    placements:
    - slot: header
      fragment: header
  home:
    route: /
    layout: home.html
    title: Home
"""


def _apply(tmp_path, text: str, *options: str) -> str:
    path = tmp_path / "registry.yaml"
    path.write_text(text)
    out = StringIO()
    call_command("registry", "apply", str(path), *options, stdout=out)
    return out.getvalue()


def test_apply_takes_the_titles_and_export_writes_them_by_language_only_where_there_are_any(
    tmp_path,
):
    output = _apply(tmp_path, DOCUMENT)
    assert 'titles: {"pt-br": "Seu carrinho", "ko": "장바구니"}' in output
    assert Page.objects.get(name="cart").titles == {"pt-br": "Seu carrinho", "ko": "장바구니"}
    assert Page.objects.get(name="home").titles == {}
    document = export()
    assert list(document["pages"]["cart"]) == ["route", "layout", "title", "titles", "placements"]
    assert list(document["pages"]["cart"]["titles"]) == ["ko", "pt-br"]  # sorted
    assert "titles" not in document["pages"]["home"]
    text = dump(document)
    assert "    titles:\n      ko: 장바구니\n      pt-br: Seu carrinho\n" in text
    # The export, applied to an empty registry, exports the same.
    Page.objects.all().delete()
    _apply(tmp_path, text)
    assert dump(export()) == text
    # A file that leaves the titles out has none: the page's are removed.
    changed = _apply(tmp_path, text.replace("    titles:\n      ko: 장바구니\n", "    titles:\n"
                                            "      ko: 카트\n"))  # fmt: skip
    assert 'titles: {"ko": "장바구니", "pt-br": "Seu carrinho"} → {"ko": "카트", ' in changed
    without = text.replace("    titles:\n      ko: 장바구니\n      pt-br: Seu carrinho\n", "")
    assert "titles" not in without
    assert "titles:" in _apply(tmp_path, without)
    assert Page.objects.get(name="cart").titles == {}


@pytest.mark.parametrize(
    ("titles", "problem"),
    [
        ("      ko: \"장바\\n구니\"\n",
         "pages.cart.titles.ko: the title in 'ko': this text must not contain a line break"),
        ("      KO: 장바구니\n", "pages.cart.titles.KO: 'KO' is not a language tag"),
        ("      ko: ''\n", "pages.cart.titles.ko: the title in 'ko' is empty"),
        ("      ko: 5\n", "pages.cart.titles.ko: must be text, not a number (quote it)"),
        ("      1: 장바구니\n", "pages.cart.titles.1: a name must be text, not a number"),
        ("      - ko\n", "pages.cart.titles: must be a mapping, not a list"),
    ],
    ids=["two lines", "upper case", "empty", "a number", "a numeric key", "a list"],
)  # fmt: skip
def test_apply_refuses_bad_titles_naming_their_place_and_writes_nothing(tmp_path, titles, problem):
    text = DOCUMENT.replace("      pt-br: Seu carrinho\n      ko: 장바구니\n", titles)
    assert text != DOCUMENT
    with pytest.raises(CommandError) as refused:
        _apply(tmp_path, text)
    assert problem in str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert not Page.objects.exists()


# The snapshot.


def test_the_snapshot_carries_a_pages_titles_only_when_it_has_any(tmp_path):
    _apply(tmp_path, DOCUMENT)
    pages = {page["name"]: page for page in build_snapshot()["pages"]}
    assert pages["cart"]["titles"] == {"pt-br": "Seu carrinho", "ko": "장바구니"}
    assert "titles" not in pages["home"]  # a page without titles: not even an empty object
