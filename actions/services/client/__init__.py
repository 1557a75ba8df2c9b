"""The commerce client's parts; `actions.services.commerce` is the door the flows use."""
