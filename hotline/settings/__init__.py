"""Settings: defaults from config/defaults.toml, a TOML file, then the environment.

Every bad value fails at start-up with the name of the variable and what is
wrong with it, so a misconfigured hotline never answers a single call wrongly.

One module per part of config/defaults.toml checks its keys: `service` ([hotline] and
the service's environment variables), `ivr` ([voice], [pins], [ivr]), `calendar`,
`callbacks` ([callbacks], [retention]), `mail` ([smtp], [mail]), `remote`, `queue`
([queue], [reports]); `values` holds the checks they share and `loader` the Settings
object and load_settings.
"""

from hotline.settings.calendar import CalendarSettings
from hotline.settings.loader import Settings, load_settings
from hotline.settings.mail import MailSettings
from hotline.settings.queue import QueueSettings
from hotline.settings.service import ENVIRONMENTS
from hotline.settings.values import SettingsError, redact_url

__all__ = [
    "ENVIRONMENTS",
    "CalendarSettings",
    "MailSettings",
    "QueueSettings",
    "Settings",
    "SettingsError",
    "load_settings",
    "redact_url",
]
