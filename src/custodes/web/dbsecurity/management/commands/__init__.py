"""The dbsecurity app's commands: flush, able to clear the trail in test mode only."""
