"""NOFA++ model toolkit: ICT-FaceKit ground truth, networks, training, export and evaluation."""
