"""The relief fund: grants to people at risk, their approval, payment and books."""
