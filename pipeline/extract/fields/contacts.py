"""Contact details as the contacts table holds them."""

from __future__ import annotations


def phone_with_extension(phone: str | None, extension: str | None) -> str | None:
    """The number with its extension, which the registry keeps in a field of its own.

    The contacts table has one phone column, so the extension is written the
    way a person would dial it rather than dropped.
    """
    if phone and extension:
        return f"{phone} ext. {extension}"
    return phone
