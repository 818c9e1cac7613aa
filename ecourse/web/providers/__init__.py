"""Events from the email provider: bounces and complaints, pushed to a webhook."""
