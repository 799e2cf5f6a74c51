#!/bin/sh
echo "forecast report"
