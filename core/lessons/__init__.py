"""What the teaching screens compute, one module per screen (no Streamlit, no plotly here).

``ntsc``, ``lab``, ``pipeline``, ``sigmoid``, ``unet``, ``autoencoder``, ``upsampling``:
each holds the numbers and images its screen shows. ``network`` is what several of them
share to look inside the model. Every photo reaches the model, and every model output
becomes Lab and RGB, through :mod:`core.colorizer` (one inference path, one working size:
the weights' calibrated ``working_size``).
"""
