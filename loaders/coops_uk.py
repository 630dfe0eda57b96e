"""Co-operatives UK open data: the organisations file and the outlets file (two layouts)."""

from loaders.csvmap import CsvLoader

LOADER = CsvLoader("coops-uk", ["coops-uk-organisations", "coops-uk-outlets"])
