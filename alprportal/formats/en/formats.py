"""One date and time format across the portal and the Django admin: ISO dates and the 24-hour clock (issue #17).

Settings' FORMAT_MODULE_PATH points here, so these win over Django's US locale formats ("Dec. 5, 2026, 4:13 p.m.")
wherever a date is shown without an explicit format — the admin's change lists and forms included.
"""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
FIRST_DAY_OF_WEEK = 1
