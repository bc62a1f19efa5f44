from django.db import models


class AgencyKind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    PROSECUTORIAL = "prosecutorial", "Prosecutorial"
    OTHER_PUBLIC = "other_public", "Other public agency"
    PRIVATE = "private", "Private or commercial entity"


class GovernmentLevel(models.TextChoices):
    MUNICIPAL = "municipal", "City / municipal"
    COUNTY = "county", "County"
    STATE = "state", "State"
    FEDERAL = "federal", "Federal"
    TRIBAL = "tribal", "Tribal"
    SPECIAL_DISTRICT = "special_district", "Special district (e.g. port, transit, school)"
    NONE = "none", "Not a government"
