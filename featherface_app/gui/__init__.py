"""Qt front end: adapts the Qt-free core (sources, detectors, annotation, recording) to widgets.

Only this package imports PySide6 and pyqtgraph. Entry point: :func:`featherface_app.gui.app.run_gui`.
"""
