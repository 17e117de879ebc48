"""InfraX Workbench: write, run and preview InfraX Apps from the terminal."""

__version__ = "0.1.0"
