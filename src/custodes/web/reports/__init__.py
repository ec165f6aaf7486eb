"""The staff side of the reporting portal: taking reports in, need-to-know, the queue, actions."""
