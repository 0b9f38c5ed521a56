"""Exporters, importers and the renderer (EDL, FCP7 XML, FCPXML, OTIO, SRT/VTT, CSV, video).

No Qt, no models; heavy libraries (OpenTimelineIO, PyAV, OpenCV) load inside the functions
that use them, so importing any module here is cheap.

* :mod:`.sources` — what an exporter knows of one asset (rate, DF, start timecode, frames);
* :mod:`.model` — the frame-exact :class:`~.model.Timeline` every writer reads;
* :mod:`.formats` — the export format table (id, name, suffixes, family, writer) the CLI,
  the export dialog, corpus search and the writers read;
* :mod:`.timeline` — project → timeline (the edit, or suggestions chosen by state and kind);
  :mod:`.markers` and :mod:`.reframing` add markers and crop paths to its clips;
* :mod:`.edl`, :mod:`.fcp7`, :mod:`.fcpxml`, :mod:`.otio_export`, :mod:`.mlt`,
  :mod:`.subtitles`, :mod:`.table` — the writers; :mod:`.writers` picks one by format name;
* :mod:`.otio_readers`, :mod:`.importers` — reading NLE files back onto the project;
* :mod:`.render`, :mod:`.picture` — rendering the timeline to H.264/AAC with PyAV.

The CLI's ``export`` and ``render`` commands reach these through
:mod:`vidi_desktop.services.export`.
"""
