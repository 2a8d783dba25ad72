"""Writes on requests, one module per part of a request's life. Every change goes
through a function here, in one transaction that also appends its timeline event(s)."""

from .creation import category_default_services, priority_default, request_create, state_initial

__all__ = ["category_default_services", "priority_default", "request_create", "state_initial"]
