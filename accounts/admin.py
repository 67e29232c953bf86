from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import User

admin.site.register(User, UserAdmin)
# The admin's log-in refuses an impossible username as the site's does (accounts/forms.py).
admin.site.login_form = AdminLoginForm
