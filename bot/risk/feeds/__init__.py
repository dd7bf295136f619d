"""Outside feeds: fetching (conditional GET, last good copy) and one parser per format."""


class FeedError(ValueError):
    """A feed's content cannot be used (garbage, a changed header, a missing field); the reason is shown."""
