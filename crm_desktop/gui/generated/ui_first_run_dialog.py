# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'first_run_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.12.0
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDialog,
    QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
    QSizePolicy, QVBoxLayout, QWidget)

class Ui_FirstRunDialog(object):
    def setupUi(self, FirstRunDialog):
        if not FirstRunDialog.objectName():
            FirstRunDialog.setObjectName(u"FirstRunDialog")
        FirstRunDialog.resize(460, 260)
        self.layout = QVBoxLayout(FirstRunDialog)
        self.layout.setObjectName(u"layout")
        self.intro = QLabel(FirstRunDialog)
        self.intro.setObjectName(u"intro")
        self.intro.setWordWrap(True)

        self.layout.addWidget(self.intro)

        self.form = QFormLayout()
        self.form.setObjectName(u"form")
        self.shop_name_label = QLabel(FirstRunDialog)
        self.shop_name_label.setObjectName(u"shop_name_label")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.shop_name_label)

        self.shop_name = QLineEdit(FirstRunDialog)
        self.shop_name.setObjectName(u"shop_name")

        self.form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.shop_name)

        self.owner_name_label = QLabel(FirstRunDialog)
        self.owner_name_label.setObjectName(u"owner_name_label")

        self.form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.owner_name_label)

        self.owner_name = QLineEdit(FirstRunDialog)
        self.owner_name.setObjectName(u"owner_name")

        self.form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.owner_name)

        self.country_label = QLabel(FirstRunDialog)
        self.country_label.setObjectName(u"country_label")

        self.form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.country_label)

        self.country = QComboBox(FirstRunDialog)
        self.country.setObjectName(u"country")

        self.form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.country)


        self.layout.addLayout(self.form)

        self.error_label = QLabel(FirstRunDialog)
        self.error_label.setObjectName(u"error_label")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(u"color: #b3261e;")

        self.layout.addWidget(self.error_label)

        self.buttons = QDialogButtonBox(FirstRunDialog)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.layout.addWidget(self.buttons)

#if QT_CONFIG(shortcut)
        self.shop_name_label.setBuddy(self.shop_name)
        self.owner_name_label.setBuddy(self.owner_name)
        self.country_label.setBuddy(self.country)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(FirstRunDialog)
    # setupUi

    def retranslateUi(self, FirstRunDialog):
        FirstRunDialog.setWindowTitle(QCoreApplication.translate("FirstRunDialog", u"Welcome to CRM Desktop", None))
        self.intro.setText(QCoreApplication.translate("FirstRunDialog", u"Let's set up your shop. You can change all of this later under File \u2192 Shop settings.", None))
        self.shop_name_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Shop name", None))
        self.owner_name_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Your name", None))
        self.country_label.setText(QCoreApplication.translate("FirstRunDialog", u"&Country", None))
        self.error_label.setText("")
    # retranslateUi

