"""clerkdesk: the clerk's desk for a council's Member/Officer Protocol."""
__version__ = "0.1.0"
