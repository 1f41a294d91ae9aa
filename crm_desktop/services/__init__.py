"""Services: the only write path. Each public method is one user action and one transaction."""
