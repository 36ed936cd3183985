"""The business calendar: when the hotline is open."""

from hotline.calendar.business_hours import MAX_SEARCH_DAYS, BusinessCalendar, Hours

__all__ = ["MAX_SEARCH_DAYS", "BusinessCalendar", "Hours"]
