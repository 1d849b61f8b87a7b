"""Every API error is JSON: {"error": {"code": ..., "message": ..., "details": ...}}."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from inbox.outbox import NotSupported


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "Conflict."


def api_exception_handler(exc, context):
    # The domain's own refusals: the channel cannot do it, or the input breaks a rule
    # of the operation (a snooze in the past, a reply over the platform's length).
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, NotSupported):
        exc = Conflict(str(exc), code="not_supported")
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.ValidationError({"detail": str(exc)}, code="not_found")
    elif isinstance(exc, ValueError):
        exc = exceptions.ValidationError(str(exc), code="invalid")
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handling and logging take it
    response.data = {"error": _error_body(exc, response.data)}
    return response


def _error_body(exc: exceptions.APIException, data) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail
        code = "invalid" if isinstance(details, dict) else _first_code(exc.get_codes())
        return {"code": code, "message": _first_message(details), "details": data}
    return {"code": _first_code(exc.get_codes()), "message": str(exc.detail)}


def _first_message(details) -> str:
    if isinstance(details, dict):
        for key, value in details.items():
            text = _first_message(value)
            return text if key in ("detail", "non_field_errors") else f"{key}: {text}"
        return "Invalid input."
    if isinstance(details, list):
        return _first_message(details[0]) if details else "Invalid input."
    return str(details)


def _first_code(codes) -> str:
    if isinstance(codes, dict):
        return "invalid"
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes)
