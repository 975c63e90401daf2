"""The console's model admins, one module per area; ``console.admin`` registers them."""
