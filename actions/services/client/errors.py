"""What the commerce client raises: one base class, one subclass per thing a flow tells apart."""


class CommerceError(Exception):
    """Base class of every error the commerce client raises."""


class OrderNotFound(CommerceError):
    """The order reference matches no order."""


class CustomerNotFound(CommerceError):
    """The customer id or e-mail matches no customer."""


class VerificationFailed(CommerceError):
    """Unknown order or wrong second factor: deliberately indistinguishable."""


class BackendUnavailable(CommerceError):
    """The backend could not be reached, timed out, or failed on its side."""


class ChangeRefused(CommerceError):
    """The backend refused a change (wrong order state, bad address, already returned...)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BadRequest(CommerceError):
    """The backend rejected the request as malformed (a bug on our side, or bad input)."""
