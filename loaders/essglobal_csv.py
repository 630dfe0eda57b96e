"""The SEA / Digital Commons standard CSV with ESSGlobal 2.1 codes (see mappings/essglobal-csv.toml)."""

from loaders.csvmap import CsvLoader

LOADER = CsvLoader("essglobal-csv", ["essglobal-csv"])
