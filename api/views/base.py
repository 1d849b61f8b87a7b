"""What every /api/v1/ view shares: JSON errors with a code, and the per-token rate limit.

Set here rather than in the global REST_FRAMEWORK settings, so the older
/rules/api/rules/ keeps the error bodies its clients already parse.
"""

from collections.abc import Sequence

from rest_framework.throttling import BaseThrottle

from ..errors import api_exception_handler
from ..throttling import PerTokenThrottle


class ApiViewMixin:
    # Typed as APIView's, which the views mix this with.
    throttle_classes: Sequence[type[BaseThrottle]] = [PerTokenThrottle]

    def get_exception_handler(self):
        return api_exception_handler
