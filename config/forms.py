from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Fields as the house style shows them: label without a colon, errors above the input."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
