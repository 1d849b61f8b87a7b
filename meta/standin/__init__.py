"""The Graph API stand-in core, shared by the Facebook and Instagram stand-ins: Graph error
bodies, the usage headers, paging, and one webhook deliverer (batched, signed, retried)."""
