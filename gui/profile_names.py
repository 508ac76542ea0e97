"""Server profile names as shown: the built-in profiles (core.settings.builtin_profiles, kept free of Qt) are
named in the interface language; a profile the user made or renamed shows its own name."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from core.settings import Profile, builtin_profiles

_BUILTIN_NAMES = {
    "production": QT_TRANSLATE_NOOP("Profiles", "Production"),
    "stage": QT_TRANSLATE_NOOP("Profiles", "Stage"),
    "sandbox": QT_TRANSLATE_NOOP("Profiles", "Sandbox"),
}
_DEFAULT_NAMES = {p.id: p.name for p in builtin_profiles()}
CUSTOM_NAME = QT_TRANSLATE_NOOP("Profiles", "Custom")
"""The name a profile made from the login dialog's custom URL gets: stored in English, shown translated."""


def profile_display_name(profile: Profile) -> str:
    """A built-in profile still carrying its default (English) name → that name translated; else its own name."""
    source = _BUILTIN_NAMES.get(profile.id)
    if source is not None and profile.name == _DEFAULT_NAMES.get(profile.id):
        return QCoreApplication.translate("Profiles", source)
    if profile.name == CUSTOM_NAME:
        return QCoreApplication.translate("Profiles", CUSTOM_NAME)
    return profile.name
