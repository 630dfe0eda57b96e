"""The Open GLAM Survey export: institutions and their open collections per platform."""

from loaders.csvmap import CsvLoader

LOADER = CsvLoader("glam-survey", ["glam-survey"])
