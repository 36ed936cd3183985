"""What the hotline needs of Twilio on every side: webhook signatures."""
