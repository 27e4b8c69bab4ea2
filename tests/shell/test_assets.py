from shell.engine.assets import Asset, asset_tags, parse_link_header


def test_link_header_yields_stylesheets_and_scripts_only():
    header = (
        '</_assets/a/a.css>; rel="stylesheet", </_assets/a/a.js>; rel=script, '
        "<https://cdn.example/font.woff2>; rel=preload; as=font, "
        '</x.css>; rel="alternate stylesheet"'
    )
    assert parse_link_header(header) == (
        Asset("/_assets/a/a.css", "stylesheet"),
        Asset("/_assets/a/a.js", "script"),
        Asset("/x.css", "stylesheet"),
    )


def test_malformed_link_header_yields_nothing():
    assert parse_link_header("garbage; rel=stylesheet") == ()
    assert parse_link_header("") == ()


def test_asset_tags_dedupe_across_fragments_and_escape_urls():
    tags = asset_tags(
        [
            Asset("/a.css", "stylesheet"),
            Asset('/b.js?x="1"', "script"),
            Asset("/a.css", "stylesheet"),
        ],
        "n0nce",
    )
    assert tags.splitlines() == [
        '<link rel="stylesheet" href="/a.css">',
        '<script type="module" nonce="n0nce" src="/b.js?x=&quot;1&quot;"></script>',
    ]
