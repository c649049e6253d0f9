"""The training engine under ``train`` and the estimators: the settings (every option checked
once), the fused step, the per-library kernels, the trainer, early stopping and the data sources
(in memory, or Dask blocks streamed). It builds on the backend layer and the course's functions;
it never imports the estimators or the command line."""
