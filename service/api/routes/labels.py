"""GET /v1/labels: the label taxonomy (labels, cues, descriptions, sources)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import TaxonomyDep
from service.api.schemas import ERROR_RESPONSES, Taxonomy

router = APIRouter(tags=["labels"])


@router.get("/labels", response_model=Taxonomy, responses=ERROR_RESPONSES, summary="The taxonomy")
async def labels(taxonomy: TaxonomyDep) -> Any:
    """The four labels with their cue ids (C1–C8, D1–D8, K1–K3, R1–R7) and the sources cited."""
    return taxonomy
