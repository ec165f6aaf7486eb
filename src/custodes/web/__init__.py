"""The custodes web application (Django): case work, alerts, registry and the trail."""
