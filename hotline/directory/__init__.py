"""The directory: who is calling."""

from hotline.directory.phones import (
    InvalidPhone,
    caller_number,
    digits_for_speech,
    format_national,
    is_withheld,
    normalize,
    parse_phone_list,
)

__all__ = [
    "InvalidPhone",
    "caller_number",
    "digits_for_speech",
    "format_national",
    "is_withheld",
    "normalize",
    "parse_phone_list",
]

# The lookup needs the models, which need the contract rules; import it from
# hotline.directory.lookup so that the phone helpers stay free of the database.
