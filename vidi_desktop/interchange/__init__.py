"""Exporters and importers (EDL, FCP7 XML, FCPXML, OTIO, SRT/VTT, CSV). No Qt, no models.

Filled by the interchange issue; the CLI's ``export`` command dispatches here.
"""
