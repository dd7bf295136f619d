"""Daily digests: who gets one and when (recipients), what it says (content), the digest job, views."""

from bot.digests import errors as _errors  # noqa: F401  (registers this domain's error texts)
from bot.digests.content import register_buyer_section, register_supplier_section

__all__ = ["register_buyer_section", "register_supplier_section"]
