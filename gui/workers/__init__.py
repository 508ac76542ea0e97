"""Background work for the GUI. Core callbacks (progress, stage) are adapted to Qt here and nowhere else:
``task`` (short calls), ``jobs`` and ``queue`` (the transfer queue), ``progress`` (the probe sampled at 10 Hz),
``images`` (image unlock/lock: docker's output and the images loaded, emitted at 10 Hz).
Import the submodules directly; nothing is re-exported here so that start-up loads only what it uses."""
