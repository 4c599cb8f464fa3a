"""Everything in ConvCanvas that is not Qt: preprocessing, data, networks, training, inference, storage.

Importing this package is cheap: TensorFlow is imported only by the modules that need it
(`model.network.architecture`, `model.training.training`, `model.network.inference`, ...), so the window can
appear first.
"""
