"""Learned judge: did the frames accomplish the instruction?"""
