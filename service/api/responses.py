"""The JSON response class every route uses: compact UTF-8 that cannot fail on lone surrogates."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class SafeJSONResponse(JSONResponse):
    """JSON whose encoding never raises: a lone surrogate left in a string becomes `\\udXXX`.

    Request strings are already cleaned (see schemas.CleanStr); this is the net under that.
    """

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")
