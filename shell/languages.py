"""The shop's languages (`TESSERA_LOCALES`): one choice per request, the same for a page and
for the BFF calls its scripts make through the gateway (shell/engine/locale.py)."""

from django.conf import settings

from shell.engine.locale import Locales

locales = Locales(settings.LOCALES)
