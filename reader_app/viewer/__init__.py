"""The image side of the reading workstation: the two linked views of a case and their tools.

* :mod:`~reader_app.viewer.prepared_case` turns a case to read into display-ready arrays (pure
  numpy, no Qt): oriented images, display pyramids, default windows, lesion box and outline, heat
  map;
* :mod:`~reader_app.viewer.prefetch` runs that preparation in a worker thread and keeps the last
  few prepared cases, so that the next case is ready before it is asked for;
* :mod:`~reader_app.viewer.case_viewer` shows a prepared case (low energy left, recombined right)
  with window/level, invert, zoom to lesion, outline, 1:1 zoom and the heat-map overlay.

The building blocks are small modules of their own: :mod:`~reader_app.viewer.orientation`,
:mod:`~reader_app.viewer.display_pyramid`, :mod:`~reader_app.viewer.window_presets`,
:mod:`~reader_app.viewer.lesion_outline` and :mod:`~reader_app.viewer.heatmap_colours`.
"""
