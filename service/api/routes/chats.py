"""POST /v1/conversations/label and POST /v1/chats/label: label a conversation, with its dynamics.

Routes stay thin: the JSON endpoint builds records and calls `label_conversation`; the upload
endpoint spools the file in chunks (413 past the upload limit), reads it with the chat readers
and does the same. Client mistakes answer 4xx JSON: an unknown format name or an unreadable
file 422, a file whose format cannot be recognised 415, too big 413. Nothing logs message text.
"""

from __future__ import annotations

import csv
import re
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from service.api.access import add_log_fields
from service.api.chat_schemas import ConversationRequest, ConversationResponse
from service.api.classify import label_counts, model_info, record_labelling
from service.api.deps import MetricsDep, PredictorDep, SettingsDep
from service.api.errors import ApiError
from service.api.limits import check_message_limits
from service.api.offload import run_in_model_lane, run_model_work
from service.api.schemas import ERROR_RESPONSES
from service.errors import InputFormatError
from service.labelling import Classifier, label_conversation
from service.logs import get_logger
from service.records import ChatRecord

router = APIRouter(tags=["conversations"])
log = get_logger("api")

CHUNK_BYTES = 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
# What a reader may raise on a corrupt file beyond InputFormatError; answered 422, never 500.
_CORRUPT = (
    InputFormatError,
    UnicodeError,
    ValueError,
    LookupError,
    TypeError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    csv.Error,
    SyntaxError,
    RecursionError,
    NotImplementedError,
    RuntimeError,
)

UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    415: {
        "model": ERROR_RESPONSES[422]["model"],
        "description": "The file's format could not be recognised; name it with `format`.",
    },
}


@router.post(
    "/conversations/label",
    response_model=ConversationResponse,
    response_model_exclude_unset=True,
    responses=ERROR_RESPONSES,
    summary="Label a conversation and summarise its dynamics",
)
async def label_conversation_route(
    body: ConversationRequest,
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Any:
    """Label each message in order and summarise the conversation.

    The summary gives, per speaker, message counts and label rates; how each closeness bid was
    met (turned toward, away or against); pursue-withdraw runs; repairs offered and accepted;
    and the positive:negative ratio beside Gottman's 5:1. A message without `id` gets its
    1-based position.
    """
    texts = [m.text for m in body.messages]
    check_message_limits(texts, settings=settings)
    records = [
        ChatRecord(text=m.text, id=m.id if m.id is not None else str(i), speaker=m.speaker, timestamp=m.timestamp)
        for i, m in enumerate(body.messages, start=1)
    ]
    labelled = await run_model_work(
        texts, body.explain, settings.inline_budget, label_conversation, records, predictor, explain=body.explain
    )
    record_labelling(request, metrics, texts, explain=body.explain, results=labelled["results"])
    return {"model": model_info(predictor), **labelled}


@router.post(
    "/chats/label",
    response_model=ConversationResponse,
    response_model_exclude_unset=True,
    responses=UPLOAD_RESPONSES,
    summary="Upload a chat export, label it and summarise its dynamics",
)
async def label_chat_upload(
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    file: Annotated[UploadFile, File(description="The exported chat (any supported format).")],
    fmt: Annotated[
        str,
        Form(
            alias="format",
            description="auto (default: detected from the content) or a "
            "format name: text, jsonl, csv, whatsapp, telegram, signal, messenger, instagram, "
            "discord, imessage, sms-xml, slack, line.",
        ),
    ] = "auto",
    dayfirst: Annotated[
        bool | None,
        Form(description="Dates are day/month (true) or month/day (false); default inferred."),
    ] = None,
    explain: Annotated[bool, Form(description="Return the explanation of each result.")] = False,
) -> Any:
    """Read an uploaded export, label every message in order, and summarise the dynamics.

    The same response as POST /v1/conversations/label, plus `warnings` from the reader (for
    example, a date order it had to assume). System lines and media placeholders come back with
    their `kind` and no labels.
    """
    from service.readers import FORMATS

    if fmt != "auto" and fmt not in FORMATS:
        raise ApiError(422, f"unknown format {fmt!r}; use auto or one of {', '.join(FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="attune-upload-") as tmp:
        path = Path(tmp) / _safe_name(file.filename)
        size = await _spool_upload(file, path, limit=settings.max_upload_bytes)
        labelled = await run_in_model_lane(
            label_chat_file,
            path=path,
            fmt=fmt,
            dayfirst=dayfirst,
            explain=explain,
            predictor=predictor,
            max_messages=settings.max_upload_messages,
        )
    metrics.observe_predictions(labelled["results"])
    add_log_fields(
        request,
        bytes=size,
        format=labelled.pop("format"),
        records=len(labelled["results"]),
        explain=explain,
        labels=label_counts(labelled["results"]),
        warnings=len(labelled["warnings"]),
    )
    return {"model": model_info(predictor), **labelled}


def _safe_name(filename: str | None) -> str:
    """The upload's base name with only safe characters (readers may use it to name the chat)."""
    name = _SAFE_NAME.sub("_", Path(filename or "").name).strip(" .")
    return name[:120] or "upload"


async def _spool_upload(file: UploadFile, path: Path, *, limit: int) -> int:
    """Copy the upload to `path` in chunks; 413 as soon as it passes `limit`, 422 if empty."""
    size = 0
    with path.open("wb") as out:
        while chunk := await file.read(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the uploaded file is larger than the limit of {limit} bytes")
            out.write(chunk)
    if size == 0:
        raise ApiError(422, "the uploaded file is empty")
    return size


def label_chat_file(
    *,
    path: Path,
    fmt: str,
    dayfirst: bool | None,
    explain: bool,
    predictor: Classifier,
    max_messages: int,
) -> dict[str, Any]:
    """Read a saved upload, label it and summarise it; reading problems become 4xx ApiErrors.

    CPU-bound: run it in a worker thread.
    """
    from service.readers import detect_format, read_path
    from service.readers.common import ReadContext

    if fmt == "auto":
        try:
            fmt = detect_format(path)
        except _CORRUPT as e:
            raise ApiError(
                415,
                "could not recognise the file's format; send `format` with one of the names "
                "listed in the API documentation",
            ) from e
    ctx = ReadContext(dayfirst=dayfirst)
    records: list[ChatRecord] = []
    try:
        for record in read_path(path, fmt, ctx):
            records.append(record)
            if len(records) > max_messages:
                raise ApiError(
                    413,
                    f"the chat has more than {max_messages} records; split it or use `attune label` on this computer",
                )
    except _CORRUPT as e:
        log.info(
            "upload_unreadable",
            extra={"fields": {"format": fmt, "error": type(e).__name__, "records_read": len(records)}},
        )
        reason = str(e) if isinstance(e, InputFormatError) else "the file is corrupt or truncated"
        raise ApiError(422, f"cannot read the file as {fmt}: {reason}") from e
    labelled = label_conversation(records, predictor, explain=explain)
    return {**labelled, "warnings": list(ctx.warnings), "format": fmt}
