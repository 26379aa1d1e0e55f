"""Turn a stack of small images into one picture, to look at learned weights."""
import numpy as np


def visualize_grid(images, padding=1, upper_bound=255.0):
    """Tile images into a square grid, each rescaled to [0, upper_bound].

    Inputs:
    - images: array of shape (N, H, W, channels) or (N, H, W).
    - padding: blank pixels between neighbouring images.
    - upper_bound: every image is rescaled on its own to [0, upper_bound].

    Returns the grid, shape (G, G, channels) or (G, G) where
    G = ceil(sqrt(N)) * (H + padding) - padding (for square images).
    """
    images = np.asarray(images, dtype=np.float64)
    squeeze = images.ndim == 3
    if squeeze:
        images = images[..., np.newaxis]
    count, height, width, channels = images.shape
    tiles_per_side = int(np.ceil(np.sqrt(count)))
    grid_height = tiles_per_side * (height + padding) - padding
    grid_width = tiles_per_side * (width + padding) - padding
    grid = np.zeros((grid_height, grid_width, channels))
    for index in range(count):
        row, col = divmod(index, tiles_per_side)
        image = images[index]
        low, high = image.min(), image.max()
        span = high - low if high > low else 1.0
        top = row * (height + padding)
        left = col * (width + padding)
        grid[top:top + height, left:left + width] = upper_bound * (image - low) / span
    return grid[..., 0] if squeeze else grid
