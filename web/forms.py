"""Reading HTML forms: values as typed, errors kept by field (shown next to the field and in a
summary at the top), and uploaded images checked by content, not by name.

A page reads its form through :class:`Form`; conversion problems are recorded instead of
raised, so one submission reports every malformed field at once; the service's own
``Invalid`` (one field at a time) is recorded the same way. Templates get the same object to
re-display what was typed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from echofed.errors import Invalid
from echofed.settings import Settings
from web.i18n import _

MAX_FIELD = 50_000  # characters in one text field
FORM_OVERHEAD = 1024 * 1024  # room for the text fields beside an upload
MEDIA_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

# Where a service names a field differently from the form's input.
FIELD_ALIASES = {"image-url": "image", "link": "link-url", "type": "kind"}


class Form:
    """Submitted (or prefilled) values, with the errors found in them."""

    def __init__(self, values: Mapping[str, Any] | FormData | None = None) -> None:
        self._values: dict[str, list[str]] = {}
        self.uploads: dict[str, UploadFile] = {}
        self.errors: dict[str, str] = {}
        if isinstance(values, FormData):
            for key, value in values.multi_items():
                if isinstance(value, UploadFile):
                    self.uploads[key] = value
                else:
                    self._values.setdefault(key, []).append(str(value)[:MAX_FIELD])
        elif values is not None:
            for key, value in values.items():
                if value is None:
                    continue
                items = value if isinstance(value, (list, tuple)) else [value]
                self._values[key] = [str(v) for v in items]

    # values -------------------------------------------------------------------------------

    def get(self, name: str, default: str = "") -> str:
        found = self._values.get(name)
        return found[0] if found else default

    def text(self, name: str) -> str:
        return self.get(name).strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def values(self, name: str) -> list[str]:
        return [v.strip() for v in self._values.get(name, []) if v.strip()]

    def flag(self, name: str) -> bool:
        return self.get(name) in ("1", "on", "true", "oui")

    def items(self, name: str) -> list[str]:
        """A comma-separated list (tags)."""
        return [part.strip() for part in self.get(name).split(",") if part.strip()]

    def number(self, name: str, *, integer: bool = False) -> float | int | None:
        raw = self.text(name).replace(",", ".") if not integer else self.text(name)
        if not raw:
            return None
        try:
            return int(raw) if integer else float(raw)
        except ValueError:
            self.add_error(name, _("nombre entier attendu") if integer else _("nombre attendu"))
            return None

    def set(self, name: str, value: str | None) -> None:
        self._values[name] = [value or ""]

    # errors -------------------------------------------------------------------------------

    def add_error(self, field: str, message: str) -> None:
        self.errors.setdefault(FIELD_ALIASES.get(field, field), message)

    def invalid(self, exc: Invalid) -> None:
        """Record a service's refusal; its (French) reason is translated when the catalogue
        knows it."""
        self.add_error(exc.field, _(exc.reason))

    @property
    def ok(self) -> bool:
        return not self.errors


async def read_form(request: Request, *, max_bytes: int = FORM_OVERHEAD) -> Form:
    """Parse a posted form; a body over ``max_bytes`` is refused (413) before it is read."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        if request.headers.get("content-type", "").startswith("multipart/"):
            raise HTTPException(411, _("Longueur de la requête manquante."))
    elif int(length) > max_bytes:
        raise HTTPException(413, _("Envoi trop volumineux."))
    return Form(await request.form(max_files=4, max_fields=300))


def max_upload_bytes(settings: Settings) -> int:
    return settings.max_upload_bytes


def media_dir(settings: Settings) -> Path:
    return Path(settings.media_dir)


# ---------------------------------------------------------------------------------------------
# Images


@dataclass(frozen=True)
class ImageUpload:
    data: bytes
    extension: str

    @property
    def name(self) -> str:
        """Content-addressed, so the same picture uploaded twice is stored once."""
        return f"{hashlib.sha256(self.data).hexdigest()[:32]}.{self.extension}"

    @property
    def content_type(self) -> str:
        return MEDIA_TYPES[self.extension]


def sniff_image(data: bytes) -> str | None:
    """The file's real type from its first bytes: jpg, png, webp, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


async def uploaded_image(
    form: Form, *, field: str = "image", alt_field: str = "image-alt", max_bytes: int
) -> ImageUpload | None:
    """The image sent in ``field``, checked (type by magic bytes, size, alt text present);
    None when no file was chosen. Problems are recorded on the form."""
    upload = form.uploads.get(field)
    if upload is None or (not upload.filename and not upload.size):
        return None
    data = await upload.read(max_bytes + 1)
    if not data:
        return None
    if len(data) > max_bytes:
        form.add_error(field, _("image trop volumineuse : {size} Mo au plus").format(
            size=round(max_bytes / (1024 * 1024), 1)))
        return None
    extension = sniff_image(data)
    if extension is None:
        form.add_error(field, _("format d'image refusé : JPEG, PNG ou WebP"))
        return None
    if not form.text(alt_field):
        form.add_error(alt_field, _("décrivez l'image pour qui ne la voit pas (texte alternatif)"))
        return None
    return ImageUpload(data, extension)


def save_media(directory: Path, image: ImageUpload) -> str:
    """Write the image (atomically) under ``directory``; returns its file name."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / image.name
    if not target.exists():
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(image.data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return image.name


def media_file(directory: Path, name: str) -> Path | None:
    """The stored file for a ``/media/{name}`` URL, or None (the name shape is checked first,
    so no path can escape the folder)."""
    if not MEDIA_NAME.match(name):
        return None
    path = directory / name
    return path if path.is_file() else None
