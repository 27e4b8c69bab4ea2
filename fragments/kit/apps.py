"""`django.contrib.staticfiles` for fragment services, collecting only assets something loads.

`collectstatic` copies every installed app's static files, content-hashes and compresses
them, once per fragment. django-ninja ships ReDoc and a source map of the Swagger UI bundle
that the BFF docs page (Swagger UI) never loads: 16 MB per fragment with their hashed and
compressed copies, of 21 MB in all.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "redoc.*", "swagger-ui-bundle.js.map"]
