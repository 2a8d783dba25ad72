"""Writes on requests, one module per part of a request's life. Every change goes
through a function here, in one transaction that also appends its timeline event(s)."""

from .answers import answer_placeholders, answer_render, request_answer
from .attachments import attachment_add, attachments_visible
from .common import StaleEditError
from .creation import category_default_services, priority_default, request_create
from .editing import request_assign, request_update
from .instruction import request_comment, request_instruct, request_record_execution
from .reminders import reminders_per_service, request_remind
from .workflow import (
    request_archive,
    request_change_state,
    request_close,
    request_mark_duplicate,
    request_reactivate,
    state_initial,
)

__all__ = [
    "StaleEditError",
    "answer_placeholders",
    "answer_render",
    "attachment_add",
    "attachments_visible",
    "category_default_services",
    "priority_default",
    "reminders_per_service",
    "request_answer",
    "request_archive",
    "request_assign",
    "request_change_state",
    "request_close",
    "request_comment",
    "request_create",
    "request_instruct",
    "request_mark_duplicate",
    "request_reactivate",
    "request_record_execution",
    "request_remind",
    "request_update",
    "state_initial",
]
