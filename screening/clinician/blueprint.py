"""The clinician blueprint itself; its views are in the modules beside this one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..criteria import OVERALL_LABELS
from ..extensions import login_manager
from ..follow_up import LEVEL_LABELS

bp = Blueprint("clinician", __name__, url_prefix="/clinician")


@bp.record_once
def _setup(state: Any) -> None:
    login_manager.login_view = "clinician.login"
    login_manager.login_message = None


@bp.app_context_processor
def _clinician_globals() -> dict[str, Any]:
    return {"overall_labels": OVERALL_LABELS, "red_flag_levels": LEVEL_LABELS}
